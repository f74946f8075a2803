#!/usr/bin/env bash
# Symbolization benchmark: `pgo fetch --llvm` over a window of 3 builds, each symbolized against
# its own symbol file from the store's buildid/ area, against doing it by hand: `pgo convert
# --binary` per build, then `llvm-profdata merge --sample` of the three.
#
# Usage: Benchmarks/symbolize.sh        (see Benchmarks/README.md)
#
# Environment:
#   PGO=path          pgo binary to test (default: build it with swift build -c release)
#   PERF=path         Linux perf (default: perf on PATH)
#   COPIES="1 50"     profiles per build in the window (the same capture, at different times): the
#                     cost should follow distinct addresses, not the number of profiles
#   RUNS=5            timed runs per tool (medians are reported)
#
# Exits non-zero only when something is broken; the figures are printed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"

PERF=${PERF:-perf}
COPIES=${COPIES:-"1 50"}
RUNS=${RUNS:-5}
require_gnu_time
command -v "$PERF" >/dev/null || die "perf not found (PERF=$PERF)"
swiftc=$(command -v swiftc) || die "swiftc not found"
llvm_profdata="$(dirname "$(readlink -f "$swiftc")")/llvm-profdata"
[[ -x $llvm_profdata ]] || die "no llvm-profdata next to $swiftc"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgo-symbolize-bench.XXXXXX")
err_log=$work/errors.log
cleanup() { rm -rf "$work"; }
on_exit cleanup

PGO=$(given_or_built PGO pgo .build-bench)

# --- Three builds of the perf workload, each shifted and edited, each captured with perf --------
for n in 1 2 3; do
    dir=$work/build$n
    mkdir -p "$dir"
    { for ((i = 1; i < n; i++)); do echo "// release $n"; done; sed "s/h = (h \&\* 31) ^ b/h = (h \&* $((29 + 2 * n))) ^ b/" "$root/Fixtures/perf/workload.swift"; } > "$dir/w.swift"
    run "swiftc build $n" -- "$swiftc" -O -g -module-name W -parse-as-library "$dir/w.swift" -o "$dir/w"
    run "perf record $n" -- "$PERF" record -q -e cpu-clock -g -o "$dir/perf.data" "$dir/w" 60000000
    "$PERF" script -i "$dir/perf.data" > "$dir/w.perf" 2>"$err_log" || die "perf script failed"
    run "pgo import $n" -- "$PGO" import --perf-script "$dir/w.perf" --binary "$dir/w" -o "$dir/w.pprof"
    log "build $n: $(readelf -n "$dir/w" | sed -n 's/.*Build ID: //p'), $(stat -c %s "$dir/w") bytes"
done

seconds_and_kib() { # command... -> "seconds peak-KiB" of one run
    $TIME -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$err_log" || { tail -n 20 "$err_log" >&2; die "failed: $*"; }
    cat "$work/time"
}

for copies in $COPIES; do
    store=$work/store-$copies
    now=$(date +%s)000
    for n in 1 2 3; do
        for ((c = 0; c < copies; c++)); do
            run "upload" -- "$PGO" upload --store "$store" --service bench --at $((now - (n * 86400000) - c * 60000)) "$work/build$n/w.pprof" >/dev/null
        done
        run "symbols" -- "$PGO" symbols upload --store "$store" --debug-only "$work/build$n/w" >/dev/null
    done

    fetch_times=() hand_times=() fetch_kib=()
    for ((r = 0; r < RUNS; r++)); do
        read -r s kib < <(seconds_and_kib "$PGO" fetch --store "$store" --service bench --since 30d --llvm "$work/fetched.prof" --cache none --strict)
        fetch_times+=("$s") fetch_kib+=("$kib")
        start=$(date +%s.%N)
        for n in 1 2 3; do
            inputs=()
            for ((c = 0; c < copies; c++)); do inputs+=("$work/build$n/w.pprof"); done
            run "convert" -- "$PGO" convert --binary "$work/build$n/w" -o "$work/hand$n.prof" "${inputs[@]}"
        done
        run "llvm-profdata merge" -- "$llvm_profdata" merge --sample --text "$work/hand1.prof" "$work/hand2.prof" "$work/hand3.prof" -o "$work/hand.prof"
        hand_times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    done
    fetch=$(median "${fetch_times[@]}") hand=$(median "${hand_times[@]}")
    printf 'window of 3 builds x %d profiles: pgo fetch --llvm %.2f s (peak %d MiB), by hand (3 x pgo convert --binary + llvm-profdata merge) %.2f s, ratio %.2fx\n' \
        "$copies" "$fetch" "$(( $(median "${fetch_kib[@]}" | cut -d. -f1) / 1024 ))" "$hand" "$(echo "$fetch / $hand" | bc -l)"
    # The two profiles agree function by function.
    "$llvm_profdata" show --sample "$work/fetched.prof" > "$work/fetched.txt"
    "$llvm_profdata" show --sample "$work/hand.prof" > "$work/hand.txt"
    grep -h '^Function: ' "$work/fetched.txt" | sort > "$work/f1"
    grep -h '^Function: ' "$work/hand.txt" | sort > "$work/f2"
    if cmp -s "$work/f1" "$work/f2"; then log "same functions and totals as by hand"; else log "functions differ from by hand:"; diff "$work/f1" "$work/f2" | head -10 >&2; fi
done
