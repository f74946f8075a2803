#!/usr/bin/env bash
# Swift PGO loop: profile the workload in Benchmarks/Workload, turn the profile into compiler
# profiles through a profile store with pgo, rebuild, and measure each variant against plain -O.
#
# Usage: Benchmarks/swift-pgo-loop.sh            (see Benchmarks/README.md)
#
# Environment:
#   PGO=path          pgo binary (default: build it with swift build -c release --product pgo --scratch-path .build-bench)
#   SWIFTC=path       swiftc (default: swiftc on PATH); llvm-profdata is the one next to it
#   RUNS=5            timed rounds; each round runs every variant once, in a rotating order
#   SEED=42 SCALE=10  the workload's arguments for the timed runs (run time grows with SCALE)
#   TRAIN_SCALE=SCALE the workload's SCALE while profiling (perf and the instrumented run)
#   CALLGRIND=0       1: also count each variant's instructions once with valgrind --tool=callgrind
#   CALLGRIND_SCALE=1 the workload's SCALE under callgrind (about 50x slower than native)
#   KEEP=0            1: keep the temporary directory (binaries, profiles, remarks) and print its path
#
# Exits non-zero only when something is broken (a tool fails, a checksum differs, the sample
# profile is applied nowhere); small or negative speedups are reported, not fatal.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"
workload_sources=("$script_dir"/Workload/Sources/WorkloadCore/*.swift "$script_dir"/Workload/Sources/Workload/main.swift)

RUNS=${RUNS:-5}
SEED=${SEED:-42}
SCALE=${SCALE:-10}
TRAIN_SCALE=${TRAIN_SCALE:-$SCALE}
CALLGRIND=${CALLGRIND:-0}
CALLGRIND_SCALE=${CALLGRIND_SCALE:-1}
KEEP=${KEEP:-0}
require_gnu_time


[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer, got '$SEED'"
for v in SCALE TRAIN_SCALE CALLGRIND_SCALE; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ $CALLGRIND == 0 || $CALLGRIND == 1 ]] || die "CALLGRIND must be 0 or 1, got '$CALLGRIND'"
[[ $KEEP == 0 || $KEEP == 1 ]] || die "KEEP must be 0 or 1, got '$KEEP'"
((${#workload_sources[@]} > 1)) || die "no workload sources in $script_dir/Workload/Sources"
$TIME -f '%e %U' -o /dev/null true 2>/dev/null || die "$TIME is not GNU time (needs -f and -o)"
command -v perf >/dev/null || die "linux perf is needed (Debian: linux-perf)"
if [[ $CALLGRIND == 1 ]]; then command -v valgrind >/dev/null || die "CALLGRIND=1 needs valgrind"; fi

SWIFTC=${SWIFTC:-$(command -v swiftc || true)}
[[ -n $SWIFTC && -x $SWIFTC ]] || die "swiftc not found; set SWIFTC=/path/to/swiftc"
toolchain_bin=$(dirname "$SWIFTC")
LLVM_PROFDATA=$toolchain_bin/llvm-profdata # the toolchain's own: its formats change with it
[[ -x $LLVM_PROFDATA ]] || die "no llvm-profdata next to $SWIFTC"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgo-loop-bench.XXXXXX")
cleanup() { if [[ $KEEP == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi; }
on_exit cleanup
err_log="$work/stderr.log"

# --- pgo -----------------------------------------------------------------------------

PGO=$(given_or_built PGO pgo .build-bench)

# --- Builds --------------------------------------------------------------------------

# The flags every variant shares: whole-module -O with the debug information that sample
# profiles need (line discriminators from -debug-info-for-profiling; the code is unchanged).
common_flags=(-O -g -debug-info-for-profiling -wmo -module-name Workload)

# build NAME EXTRA_FLAGS...: compiles the workload into $work/NAME/Workload, in its own
# directory (with -g, -wmo leaves module files in the working directory).
build() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    log "building $name: swiftc ${common_flags[*]} $*"
    (cd "$work/$name" && run "swiftc ($name)" -- "$SWIFTC" "${common_flags[@]}" "$@" "${workload_sources[@]}" -o Workload)
}

# checksum_of OUTPUT_FILE: the workload's "checksum: HEX" line.

build plain
plain_bin=$work/plain/Workload
"$plain_bin" "$SEED" "$SCALE" >"$work/expected.out" 2>"$err_log" || { cat "$err_log" >&2; die "the plain workload failed"; }
expected=$(checksum_of "$work/expected.out")
[[ -n $expected ]] || die "the plain workload printed no checksum"
log "plain workload: $(head -n 1 "$work/expected.out"), checksum $expected"

# A store on the local disk, as a service would use S3: profiles go in with pgo upload and come
# back with pgo fetch. --cache none keeps the user's download cache out of it.
store="file://$work/store"
mkdir -p "$work/store"

# --- Sample profile: perf -> pprof -> store -> LLVM sample profile ------------------------

log "profiling the plain build with perf record -e cpu-clock -g (SCALE=$TRAIN_SCALE)"
perf record -q -e cpu-clock -g -o "$work/perf.data" -- "$plain_bin" "$SEED" "$TRAIN_SCALE" >"$work/perf-run.out" 2>"$err_log" ||
    { tail -n 30 "$err_log" >&2; die "perf record failed"; }
perf script -i "$work/perf.data" >"$work/perf.script" 2>"$err_log" || { tail -n 30 "$err_log" >&2; die "perf script failed"; }
log "perf script: $(grep -c '^[^[:space:]]' "$work/perf.script" || true) samples"

run "pgo import" -- "$PGO" import --perf-script "$work/perf.script" --binary "$plain_bin" -o "$work/cpu.pprof"
run "pgo upload (pprof)" -- "$PGO" upload --store "$store" --service workload-cpu "$work/cpu.pprof" >/dev/null
run "pgo fetch --llvm (sample)" -- "$PGO" fetch --store "$store" --service workload-cpu --strict --cache none \
    --binary "$plain_bin" --llvm "$work/sample.prof"
[[ -s $work/sample.prof ]] || die "pgo fetch wrote no sample profile"
run "llvm-profdata show --sample" -- "$LLVM_PROFDATA" show --sample "$work/sample.prof" >/dev/null

# The remarks prove where the compiler used the profile; the record path is explicit because
# with -wmo the default lands next to the output under the module's name.
build sample -profile-sample-use="$work/sample.prof" \
    -save-optimization-record=yaml -save-optimization-record-passes 'sample-profile.*' \
    -save-optimization-record-path "$work/sample/Workload.opt.yaml"
[[ -f $work/sample/Workload.opt.yaml ]] || die "swiftc wrote no optimization record at $work/sample/Workload.opt.yaml"
applied=$(grep -c '^Name: *AppliedSamples$' "$work/sample/Workload.opt.yaml" || true)
applied_functions=$(awk '/^--- /{ a = 0 } /^Name: *AppliedSamples$/{ a = 1 } a && /^Function:/{ print $2 }' \
    "$work/sample/Workload.opt.yaml" | sort -u | wc -l)
log "AppliedSamples remarks: $applied in $applied_functions functions"
((applied > 0)) || die "swiftc applied the sample profile nowhere (0 AppliedSamples remarks)"

# --- Instrumented profile: -profile-generate -> .profraw -> store -> .profdata -----------

build instrumented-gen -profile-generate
mkdir -p "$work/raw"
log "running the instrumented build (SCALE=$TRAIN_SCALE)"
LLVM_PROFILE_FILE="$work/raw/%p.profraw" "$work/instrumented-gen/Workload" "$SEED" "$TRAIN_SCALE" >"$work/gen.out" 2>"$err_log" ||
    { cat "$err_log" >&2; die "the instrumented workload failed"; }
shopt -s nullglob
raws=("$work"/raw/*.profraw)
shopt -u nullglob
((${#raws[@]} > 0)) || die "the instrumented run wrote no .profraw"
if [[ $TRAIN_SCALE == "$SCALE" && $(checksum_of "$work/gen.out") != "$expected" ]]; then
    die "the instrumented build computed checksum $(checksum_of "$work/gen.out"), plain $expected"
fi

run "pgo upload (profraw)" -- "$PGO" upload --store "$store" --service workload-instr "${raws[@]}" >/dev/null
# Instrumented profiles name functions by absolute source path: --source-root is where they were built.
run "pgo fetch --llvm (instrumented)" -- "$PGO" fetch --store "$store" --service workload-instr --strict --cache none \
    --source-root "$script_dir/Workload" --llvm "$work/instr.profdata"
[[ -s $work/instr.profdata ]] || die "pgo fetch wrote no instrumented profile"
run "llvm-profdata show" -- "$LLVM_PROFDATA" show "$work/instr.profdata" >/dev/null

build instrumented -profile-use="$work/instr.profdata"

# --- Timing --------------------------------------------------------------------------

labels=("plain -O" "sample PGO" "instrumented PGO")
binaries=("$plain_bin" "$work/sample/Workload" "$work/instrumented/Workload")
profiles=("" "$work/sample.prof" "$work/instr.profdata")
nv=${#labels[@]}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

# run_variant V: one timed run of variant V, checksum verified; appends "wall user" to its stats.
run_variant() {
    local v=$1
    $TIME -f '%e %U' -o "$work/time.out" "${binaries[v]}" "$SEED" "$SCALE" >"$work/run.out" 2>"$err_log" ||
        { cat "$err_log" >&2; die "${labels[v]} failed"; }
    local got
    got=$(checksum_of "$work/run.out")
    [[ $got == "$expected" ]] || die "${labels[v]} computed checksum '$got', plain -O $expected"
    tail -n 1 "$work/time.out" >>"$work/stats-$v"
}

log "timing: $RUNS rounds of $nv variants, SEED=$SEED SCALE=$SCALE; cores: $(nproc 2>/dev/null || echo '?')"
for ((v = 0; v < nv; v++)); do : >"$work/stats-$v"; done
for ((v = 0; v < nv; v++)); do # one untimed run each: warms the page cache, checks the checksum
    run_variant "$v"
    : >"$work/stats-$v"
done
for ((r = 0; r < RUNS; r++)); do
    order=()
    for ((k = 0; k < nv; k++)); do order+=($(((r + k) % nv))); done # rotate: each variant goes first in turn
    line=
    for v in "${order[@]}"; do
        run_variant "$v"
        line+="  ${labels[v]} $(tail -n 1 "$work/stats-$v" | cut -d' ' -f1) s"
    done
    log "round $((r + 1))/$RUNS:$line"
done

declare -a m_wall m_user best ir
for ((v = 0; v < nv; v++)); do
    m_wall[v]=$(median $(awk '{ print $1 }' "$work/stats-$v"))
    best[v]=$(awk 'NR == 1 || $1 < b { b = $1 } END { print b }' "$work/stats-$v")
    m_user[v]=$(median $(awk '{ print $2 }' "$work/stats-$v"))
    ir[v]=-
done

if [[ $CALLGRIND == 1 ]]; then
    cg_expected=$("$plain_bin" "$SEED" "$CALLGRIND_SCALE" | sed -n 's/^checksum: //p')
    for ((v = 0; v < nv; v++)); do
        log "callgrind: ${labels[v]} (SCALE=$CALLGRIND_SCALE)"
        valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "${binaries[v]}" "$SEED" "$CALLGRIND_SCALE" \
            >"$work/run.out" 2>"$err_log" || { tail -n 30 "$err_log" >&2; die "callgrind failed on ${labels[v]}"; }
        [[ $(checksum_of "$work/run.out") == "$cg_expected" ]] || die "${labels[v]} under callgrind: wrong checksum"
        ir[v]=$(sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$err_log" | tail -n 1)
        [[ -n ${ir[v]} ]] || { tail -n 30 "$err_log" >&2; die "no instruction count in callgrind's output"; }
    done
fi

# --- Report --------------------------------------------------------------------------

echo
echo "Swift PGO loop: Benchmarks/Workload ($(head -n 1 "$work/expected.out")), SEED=$SEED SCALE=$SCALE"
echo "($("$SWIFTC" --version 2>&1 | head -n 1); flags ${common_flags[*]};"
echo " $RUNS rounds, variants interleaved and rotated; wall/user from GNU time (10 ms); $(nproc 2>/dev/null || echo '?') cores)"
echo "wall, user: medians; best: the fastest wall time (noise only adds time); speedup = plain / variant (above 1 is faster)"
echo
printf '%-17s %7s %7s %7s %8s %8s %8s %14s %7s %14s %10s\n' variant 'wall s' 'user s' 'best s' 'speedup' '(user)' '(best)' 'callgrind Ir' '(Ir)' 'AppliedSamples' 'profile B'
for ((v = 0; v < nv; v++)); do
    applied_column=-
    ((v != 1)) || applied_column="$applied"
    size=-
    [[ -z ${profiles[v]} ]] || size=$(stat -c %s "${profiles[v]}")
    ir_ratio=-
    [[ ${ir[v]} == - ]] || ir_ratio=$(ratio "${ir[0]}" "${ir[v]}")
    printf '%-17s %7.2f %7.2f %7.2f %8s %8s %8s %14s %7s %14s %10s\n' "${labels[v]}" "${m_wall[v]}" "${m_user[v]}" "${best[v]}" \
        "$(ratio "${m_wall[0]}" "${m_wall[v]}")" "$(ratio "${m_user[0]}" "${m_user[v]}")" "$(ratio "${best[0]}" "${best[v]}")" \
        "${ir[v]}" "$ir_ratio" "$applied_column" "$size"
done
echo
echo "Checksum $expected from every variant in every run."
echo "Sample profile: $applied AppliedSamples remarks in $applied_functions functions; from $(grep -c '^[^[:space:]]' "$work/perf.script" || true) perf samples (SCALE=$TRAIN_SCALE)."
echo "Instrumented profile: ${#raws[@]} .profraw ($(stat -c %s "${raws[@]}" | awk '{ s += $1 } END { print s }') bytes) merged by pgo fetch."
[[ $CALLGRIND == 0 ]] || echo "callgrind: instructions executed at SCALE=$CALLGRIND_SCALE (deterministic); (Ir) = plain / variant."
