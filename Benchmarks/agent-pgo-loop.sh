#!/usr/bin/env bash
# The agent's PGO loop (issue section 7): the Benchmarks workload runs under the in-process agent,
# its profiles go through a store and `pgo fetch --llvm`, agent-demo is rebuilt with the sample
# profile through the toolset pgo fetch writes, and the two builds are timed against each other.
#
# Usage: Benchmarks/agent-pgo-loop.sh            (see Benchmarks/README.md)
#
# Environment:
#   PGO=path           pgo binary (default: swift build -c release --product pgo --scratch-path .build-agentbench)
#   RUNS=5             timed pairs (profiled build, plain build), interleaved
#   SEED=42 SCALE=10   the workload's arguments for the timed runs (agent-demo --no-agent --scale S)
#   TRAIN_SECONDS=20   how long agent-demo runs under the agent (--seconds)
#   FREQUENCY=100      the agent's samples per second of CPU time
#   CALLGRIND=0        1: also count both builds' instructions once with valgrind --tool=callgrind
#   CALLGRIND_SCALE=1  the workload's SCALE under callgrind
#   KEEP=0             1: keep the temporary directory (store, profile, flags) and print its path
#
# Builds agent-demo twice at the repo root, in release with -g -debug-info-for-profiling: the
# plain build in .build-agentbench-pgo-a (the one that is profiled) and the profiled build in
# .build-agentbench-pgo-b (with --toolset DIR/swiftpm-toolset.json from pgo fetch --flags DIR).
# Exits non-zero only when something is broken (a build or run fails, a checksum differs, the
# agent saves nothing, swiftc applies the profile nowhere); small or negative speedups are reported.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"

RUNS=${RUNS:-5}
SEED=${SEED:-42}
SCALE=${SCALE:-10}
TRAIN_SECONDS=${TRAIN_SECONDS:-20}
FREQUENCY=${FREQUENCY:-100}
CALLGRIND=${CALLGRIND:-0}
CALLGRIND_SCALE=${CALLGRIND_SCALE:-1}
KEEP=${KEEP:-0}
require_gnu_time
scratch_plain=.build-agentbench-pgo-a
scratch_profiled=.build-agentbench-pgo-b
service=agent-demo


for v in RUNS SCALE TRAIN_SECONDS FREQUENCY CALLGRIND_SCALE; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer, got '$SEED'"
[[ $CALLGRIND == 0 || $CALLGRIND == 1 ]] || die "CALLGRIND must be 0 or 1, got '$CALLGRIND'"
[[ $KEEP == 0 || $KEEP == 1 ]] || die "KEEP must be 0 or 1, got '$KEEP'"
$TIME -f '%e %U' -o /dev/null true 2>/dev/null || die "$TIME is not GNU time (needs -f and -o)"
if [[ $CALLGRIND == 1 ]]; then command -v valgrind >/dev/null || die "CALLGRIND=1 needs valgrind"; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/agent-pgo-loop.XXXXXX")
cleanup() { if [[ $KEEP == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi; }
on_exit cleanup
err_log="$work/stderr.log"

# --- Builds --------------------------------------------------------------------------

# Debug information for symbolizing the agent's addresses, with line discriminators
# (-debug-info-for-profiling leaves the code unchanged). Both builds get it.
debug_flags=(-Xswiftc -g -Xswiftc -debug-info-for-profiling)

PGO=$(given_or_built PGO pgo .build-agentbench)

plain_bin=$(release_build agent-demo "$scratch_plain" "${debug_flags[@]}")
# The profiled build replaces this path: keep a copy of the binary that was profiled.
cp "$plain_bin" "$work/agent-demo-plain"
plain_bin=$work/agent-demo-plain

# --- Profile under the agent, through the store -------------------------------------

store=$work/store
mkdir -p "$store"
log "running agent-demo under the agent for $TRAIN_SECONDS s ($FREQUENCY Hz, --interval 1s --duration 1s) into $store"
"$plain_bin" --store "$store" --service "$service" --interval 1s --duration 1s --frequency "$FREQUENCY" \
    --seconds "$TRAIN_SECONDS" --seed "$SEED" >"$work/train.out" 2>"$err_log" || { cat "$err_log" >&2; die "agent-demo under the agent failed"; }
if grep -q 'profiler:' "$err_log"; then cat "$err_log" >&2; die "the agent reported errors"; fi
log "$(tail -n 1 "$err_log")"
run "pgo list" -- "$PGO" list --store "$store" --service "$service" --since 1h >"$work/list.out"
shopt -s nullglob globstar
saved=("$store"/**/*.pb.gz)
shopt -u nullglob globstar
((${#saved[@]} > 0)) || die "the agent saved no profile in $store"
samples=0
for f in "${saved[@]}"; do
    run "pgo inspect" -- "$PGO" inspect "$f" >"$work/inspect.out"
    n=$(sed -n 's/^Total samples\/count: *\([0-9][0-9]*\).*/\1/p' "$work/inspect.out" | head -n 1)
    [[ -n $n ]] || { cat "$work/inspect.out" >&2; die "pgo inspect printed no 'Total samples/count' for $f"; }
    samples=$((samples + n))
done
log "the agent saved ${#saved[@]} profiles, $samples samples"

flags_dir=$work/flags
run "pgo fetch --llvm" -- "$PGO" fetch --store "$store" --service "$service" --since 1h --llvm "$work/agent.prof" \
    --binary "$plain_bin" --flags "$flags_dir" --strict --cache none
[[ -s $work/agent.prof ]] || die "pgo fetch wrote no sample profile"
[[ -s $flags_dir/swiftpm-toolset.json ]] || die "pgo fetch wrote no $flags_dir/swiftpm-toolset.json"
grep -q -- '-profile-sample-use' "$flags_dir/swiftpm-toolset.json" || die "the toolset names no -profile-sample-use: $(cat "$flags_dir/swiftpm-toolset.json")"
profile_functions=$(grep -c '^[^[:space:]]' "$work/agent.prof" || true)
log "sample profile: $(stat -c %s "$work/agent.prof") bytes, $profile_functions top-level functions"

# The rebuild, as users do it: the toolset from pgo fetch, plus remarks that prove where swiftc
# used the profile (*.opt.yaml next to the object files). A fresh scratch: an old object file
# whose IR did not change would otherwise be kept.
rm -rf "${root:?}/$scratch_profiled"
profiled_bin=$(release_build agent-demo "$scratch_profiled" "${debug_flags[@]}" --toolset "$flags_dir/swiftpm-toolset.json" \
    -Xswiftc -save-optimization-record=yaml -Xswiftc -save-optimization-record-passes -Xswiftc 'sample-profile.*')
# find, not a glob: SwiftPM's release/ is a symlink to TRIPLE/release/, a glob over both counts twice.
records=()
while IFS= read -r -d '' f; do records+=("$f"); done < <(find "$root/$scratch_profiled" -name '*.opt.yaml' -print0)
applied=0
applied_workload=0
for f in "${records[@]}"; do
    n=$(grep -c '^Name: *AppliedSamples$' "$f" || true)
    applied=$((applied + n))
    [[ $f != *WorkloadCore* ]] || applied_workload=$((applied_workload + n))
done
log "AppliedSamples remarks: $applied in ${#records[@]} optimization records ($applied_workload in WorkloadCore)"
((applied > 0)) || die "swiftc applied the sample profile nowhere (0 AppliedSamples remarks in ${#records[@]} records)"

# --- Timing --------------------------------------------------------------------------

labels=("plain" "sample PGO")
binaries=("$plain_bin" "$profiled_bin")
expected=

# run_variant V: one timed run (no agent, fixed work), checksum verified; appends "wall cpu".
run_variant() {
    local v=$1
    $TIME -f '%e %U %S' -o "$work/time.out" "${binaries[v]}" --no-agent --scale "$SCALE" --seed "$SEED" >"$work/run.out" 2>"$err_log" ||
        { cat "$err_log" >&2; die "${labels[v]} failed"; }
    local got
    got=$(checksum_of "$work/run.out")
    [[ -n $got ]] || die "${labels[v]} printed no checksum"
    [[ -n $expected ]] || expected=$got
    [[ $got == "$expected" ]] || die "${labels[v]} computed checksum '$got', the other build $expected"
    tail -n 1 "$work/time.out" | awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' >>"$work/stats-$v"
}

log "timing: $RUNS interleaved pairs, --no-agent --scale $SCALE --seed $SEED; $(nproc 2>/dev/null || echo '?') cores"
for v in 0 1; do run_variant "$v"; : >"$work/stats-$v"; done # untimed: warms the page cache, checks the checksum
for ((r = 0; r < RUNS; r++)); do
    if ((r % 2 == 0)); then order=(0 1); else order=(1 0); fi
    line=
    for v in "${order[@]}"; do
        run_variant "$v"
        line+="  ${labels[v]} $(tail -n 1 "$work/stats-$v" | cut -d' ' -f1) s"
    done
    log "pair $((r + 1))/$RUNS:$line"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

declare -a m_wall m_cpu best ir
for v in 0 1; do
    m_wall[v]=$(median $(awk '{ print $1 }' "$work/stats-$v"))
    m_cpu[v]=$(median $(awk '{ print $2 }' "$work/stats-$v"))
    best[v]=$(awk 'NR == 1 || $1 < b { b = $1 } END { print b }' "$work/stats-$v")
    ir[v]=-
done
faster=$(paste -d' ' "$work/stats-0" "$work/stats-1" | awk '$3 < $1 { n++ } END { print n + 0 }')

if [[ $CALLGRIND == 1 ]]; then
    cg_expected=
    for v in 0 1; do
        log "callgrind: ${labels[v]} (SCALE=$CALLGRIND_SCALE)"
        valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "${binaries[v]}" --no-agent --scale "$CALLGRIND_SCALE" --seed "$SEED" \
            >"$work/run.out" 2>"$err_log" || { tail -n 30 "$err_log" >&2; die "callgrind failed on ${labels[v]}"; }
        got=$(checksum_of "$work/run.out")
        [[ -n $cg_expected ]] || cg_expected=$got
        [[ -n $got && $got == "$cg_expected" ]] || die "${labels[v]} under callgrind: checksum '$got', expected '$cg_expected'"
        ir[v]=$(sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$err_log" | tail -n 1)
        [[ -n ${ir[v]} ]] || { tail -n 30 "$err_log" >&2; die "no instruction count in callgrind's output"; }
    done
fi

# --- Report --------------------------------------------------------------------------

echo
echo "Agent PGO loop: agent-demo (Benchmarks workload) profiled by the agent, rebuilt with pgo fetch's toolset"
echo "($(swift --version 2>&1 | head -n 1); swift build -c release ${debug_flags[*]};"
echo " $RUNS interleaved pairs of --no-agent --scale $SCALE --seed $SEED; wall and CPU (user+sys) from GNU time (10 ms); $(nproc 2>/dev/null || echo '?') cores)"
echo "wall, CPU: medians; best: the fastest wall time; speedup = plain / variant (above 1 is faster)"
echo
printf '%-11s %7s %7s %7s %8s %8s %8s %14s %7s\n' variant 'wall s' 'CPU s' 'best s' 'speedup' '(CPU)' '(best)' 'callgrind Ir' '(Ir)'
for v in 0 1; do
    ir_ratio=-
    [[ ${ir[v]} == - ]] || ir_ratio=$(ratio "${ir[0]}" "${ir[v]}")
    printf '%-11s %7.2f %7.2f %7.2f %8s %8s %8s %14s %7s\n' "${labels[v]}" "${m_wall[v]}" "${m_cpu[v]}" "${best[v]}" \
        "$(ratio "${m_wall[0]}" "${m_wall[v]}")" "$(ratio "${m_cpu[0]}" "${m_cpu[v]}")" "$(ratio "${best[0]}" "${best[v]}")" \
        "${ir[v]}" "$ir_ratio"
done
echo
echo "Checksum $expected from both builds in every run; sample PGO faster in $faster of $RUNS pairs."
echo "Agent: ${#saved[@]} profiles, $samples samples in $TRAIN_SECONDS s at $FREQUENCY Hz (agent-demo --seconds $TRAIN_SECONDS --interval 1s --duration 1s)."
echo "Sample profile from pgo fetch --llvm: $(stat -c %s "$work/agent.prof") bytes, $profile_functions functions; toolset: $(tr -d ' \n' <"$flags_dir/swiftpm-toolset.json")"
echo "swiftc: $applied AppliedSamples remarks ($applied_workload in WorkloadCore) in ${#records[@]} optimization records."
[[ $CALLGRIND == 0 ]] || echo "callgrind: instructions executed at SCALE=$CALLGRIND_SCALE (deterministic); (Ir) = plain / variant."
