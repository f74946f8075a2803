#!/usr/bin/env bash
# Fetch at fleet scale: `pgo fetch --go` over a local store of N real Go CPU profiles (a week of
# a fleet, ending at the start of this hour), next to `pgo merge --for go` of the same files and
# `go tool pprof -proto`, with wall time and peak RSS, in one run. Then `pgo compact --delete-raw`
# of a copy of the store (hourly rollups), and the same fetch over the rollups: its bytes must be
# the raw fetch's, and `go tool preprofile` must print the same for it as for pprof's merge.
#
# Usage: Benchmarks/fetch-scale.sh        (see Benchmarks/README.md)
#
# Environment:
#   PGO=path          pgo binary to test (default: built as shipped, --static-swift-stdlib; needs libcurl4-openssl-dev)
#   GO=path           Go toolchain for pprof (default: go on PATH; PPROF=none skips pprof)
#   SIZES="2000 20000 100000"  profiles in the store
#   PPROF_MAX=20000   largest size pprof is run at (it takes minutes beyond)
#   RUNS=3            alternating runs of the fetch and the merge (medians are printed, and their ratio)
#   FIXTURES=dir      real profiles repeated to fill the store (default: Fixtures/profiles)
#
# Exits non-zero only when something is broken; the figures are printed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"

SIZES=${SIZES:-"2000 20000 100000"}
PPROF_MAX=${PPROF_MAX:-20000}
RUNS=${RUNS:-3}
FIXTURES=${FIXTURES:-$root/Fixtures/profiles}
GO=${GO:-go}
require_gnu_time

work=$(mktemp -d "${TMPDIR:-/tmp}/pgo-fetch-scale.XXXXXX")
err_log=$work/errors.log
cleanup() { rm -rf "$work"; }
on_exit cleanup

PGO=$(shipped_pgo)
pprof=${PPROF:-}
if [[ -z $pprof ]] && command -v "$GO" >/dev/null; then
    mkdir -p "$work/bin"
    "$GO" build -o "$work/bin/pprof" "$("$GO" env GOROOT)/src/cmd/pprof" >&2 && pprof=$work/bin/pprof
fi

measure() { # stats-file command...: appends "seconds KiB" of one run
    local stats=$1
    shift
    $TIME -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$err_log" || { tail -n 20 "$err_log" >&2; die "failed: ${*:0:3}"; }
    cat "$work/time" >> "$stats"
}
report() { # label stats-file: prints "label: S s, M MiB" (medians) and sets $median_s
    median_s=$(median $(awk '{ print $1 }' "$2"))
    local kib
    kib=$(median $(awk '{ print $2 }' "$2"))
    printf '  %-38s %7.2f s  %5d MiB\n' "$1" "$median_s" "$((${kib%.*} / 1024))"
}
timed() { # label command...: one run, reported
    local label=$1
    shift
    : > "$work/once"
    measure "$work/once" "$@"
    report "$label" "$work/once"
}

for n in $SIZES; do
    store=$work/store
    rm -rf "$store"
    # The standard layout, written directly: SERVICE/<unix ms>-<first 16 hex of SHA-256>.pb.gz, spread over 7 days.
    python3 - "$FIXTURES" "$store/api" "$n" <<'PY'
import hashlib, os, sys, time
fixtures, directory, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(directory, exist_ok=True)
sources = []
for name in sorted(os.listdir(fixtures)):
    if name.startswith("small-") or name == "large.pb.gz":  # real CPU profiles of one program
        data = open(os.path.join(fixtures, name), "rb").read()
        sources.append((data, hashlib.sha256(data).hexdigest()[:16]))
hour = 3_600_000
end = int(time.time() * 1000) // hour * hour - 1  # the week closes at the start of this hour
step = 7 * 86_400_000 // n
for i in range(n):
    data, digest = sources[i % len(sources)]
    with open(os.path.join(directory, f"{end - i * step:013d}-{digest}.pb.gz"), "wb") as f:
        f.write(data)
PY
    echo "$n profiles ($(du -sh "$store" | cut -f1)):"
    # The fetch and the merge of the same files, alternating so that the machine's noise hits both.
    : > "$work/fetch.stats"
    : > "$work/merge.stats"
    for ((r = 1; r <= RUNS; r++)); do
        measure "$work/fetch.stats" "$PGO" fetch --store "$store" --service api --since 8d --go "$work/fetched.pgo" --cache none --strict
        measure "$work/merge.stats" "$PGO" merge --for go -o "$work/merged.pgo" "$store/api"
    done
    report "pgo fetch --go --cache none" "$work/fetch.stats"
    fetch_s=$median_s
    report "pgo merge --for go" "$work/merge.stats"
    echo "  fetch/merge: $(awk -v a="$fetch_s" -v b="$median_s" 'BEGIN { printf "%.2f", a / b }')x (medians of $RUNS alternating runs)"
    timed "pgo fetch --go --select cpu:100" "$PGO" fetch --store "$store" --service api --since 8d --go "$work/cpu.pgo" --select cpu:100 --cache none --strict
    cmp -s "$work/fetched.pgo" "$work/merged.pgo" || die "the fetch and the merge of the same files differ"
    ran_pprof=
    if [[ -n $pprof && $n -le $PPROF_MAX ]]; then
        (cd "$store/api" && timed "go tool pprof -proto -symbolize=none" "$pprof" -proto -symbolize=none -output "$work/pprof.pb.gz" ./*.pb.gz)
        ran_pprof=1
    fi
    # Rollups: a copy of the store compacted hourly (raw profiles deleted), then the same fetch.
    compacted=$work/compacted
    rm -rf "$compacted"
    cp -r "$store" "$compacted"
    timed "pgo compact --delete-raw (1h)" "$PGO" compact --store "$compacted" --service api --older-than 1ms --delete-raw
    timed "pgo fetch --go after compaction" "$PGO" fetch --store "$compacted" --service api --since 8d --go "$work/rolled.pgo" \
        --manifest "$work/rolled.json" --cache none --strict
    cmp -s "$work/fetched.pgo" "$work/rolled.pgo" || die "the fetch over rollups differs from the fetch of the raw profiles"
    objects=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["objects"], "objects,", s["profiles"], "profiles")' "$work/rolled.json")
    echo "  after compaction the fetch read $objects (output identical to the raw fetch's)"
    if [[ -n $ran_pprof ]]; then
        "$GO" tool preprofile -i "$work/rolled.pgo" -o "$work/rolled.preprofile"
        "$GO" tool preprofile -i "$work/pprof.pb.gz" -o "$work/pprof.preprofile"
        cmp -s "$work/rolled.preprofile" "$work/pprof.preprofile" || die "go tool preprofile differs between the fetch over rollups and pprof's merge"
        echo "  go tool preprofile: the same for the fetch over rollups as for pprof's merge of all $n ($(wc -l < "$work/pprof.preprofile") lines)"
    fi
done
