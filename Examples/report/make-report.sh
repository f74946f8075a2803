#!/usr/bin/env bash
# A day in the life of a service, from the real profiles in Fixtures/, and its report:
#   Examples/report/make-report.sh STORE_DIR REPORT.html [SCREENSHOT.png]
# It uploads a profile every 20 minutes of 2026-11-25 (UTC) to a local store, service 'demo':
# the go-workload build until 16:00, then a second executable (go-workload-alt) as the new
# release; nothing from 09:00 to 13:00 (the collector was down); at 06:00 a profile with no
# samples. Then `pgo report` of that day, and, given a third argument, a screenshot of it
# in headless Chromium (Debian's chromium). PGO names the pgo to run (default: swift run pgo).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
store="${1:?usage: make-report.sh STORE_DIR REPORT.html [SCREENSHOT.png]}"
report="${2:?usage: make-report.sh STORE_DIR REPORT.html [SCREENSHOT.png]}"
screenshot="${3:-}"
if [ -n "${PGO:-}" ]; then pgo=("$PGO"); else pgo=(swift run --package-path "$root" pgo); fi
profiles="$root/Fixtures/profiles"

small=(small-1 small-2 small-3 small-4)
for step in $(seq 0 71); do
  minutes=$((step * 20))
  hour=$((minutes / 60))
  [ "$hour" -ge 9 ] && [ "$hour" -lt 13 ] && continue
  at=$(printf '2026-11-25T%02d:%02d:00Z' "$hour" $((minutes % 60)))
  if [ "$minutes" -eq 360 ]; then file=empty
  elif [ "$hour" -ge 16 ]; then file=other-binary
  else file=${small[$((step % 4))]}
  fi
  "${pgo[@]}" upload --store "$store" --service demo --at "$at" "$profiles/$file.pb.gz" >/dev/null 2>"$store.upload.log" \
    || { cat "$store.upload.log" >&2; exit 1; }
done
rm -f "$store.upload.log"

"${pgo[@]}" report --store "$store" --service demo --from 2026-11-25T00:00:00Z --to 2026-11-25T23:59:59Z --cache none -o "$report"

if [ -n "$screenshot" ]; then
  # Root needs --no-sandbox; the page loads nothing, so no network is involved.
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1120,1960 \
    --screenshot="$screenshot" "file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")" 2>/dev/null
fi
