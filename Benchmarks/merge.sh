#!/usr/bin/env bash
# Merge benchmark: `pgo merge` against `go tool pprof -proto -symbolize=none`.
#
# Usage: Benchmarks/merge.sh            (see Benchmarks/README.md)
#
# Environment:
#   GO=path          Go toolchain used to build pprof and preprofile (default: `go` on PATH)
#   PGO=path         pgo binary to test (default: built as shipped, swift build -c release --static-swift-stdlib,
#                    which needs libcurl4-openssl-dev)
#   PPROF=path       pprof binary (default: built from $GOROOT/src/cmd/pprof)
#   PREPROFILE=path  preprofile binary (default: built from $GOROOT/src/cmd/preprofile)
#   SIZES="24 504 2016 20000"  numbers of input profiles
#   RUNS=5           timed runs per tool and size (medians are reported)
#   FIXTURES=dir     profiles repeated to make the inputs (default: Fixtures/profiles)
#
# Exits non-zero only when something is broken (a tool fails, a tool is missing);
# a missed performance target is reported, not fatal.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"

GO=${GO:-go}
SIZES=${SIZES:-"24 504 2016 20000"}
RUNS=${RUNS:-5}
FIXTURES=${FIXTURES:-$root/Fixtures/profiles}
require_gnu_time


[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
for n in $SIZES; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES must be positive integers, got '$n'"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/pgo-merge-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
on_exit cleanup

# --- Tools -------------------------------------------------------------------------

PGO=$(shipped_pgo)

build_go_tool() { # name -> path of a binary built from $GOROOT/src/cmd/name
    command -v "$GO" >/dev/null || die "Go not found (GO=$GO); set GO=/path/to/go or ${1^^}=/path/to/$1"
    local goroot
    goroot=$("$GO" env GOROOT)
    log "building $1 from $goroot/src/cmd/$1"
    mkdir -p "$work/bin"
    "$GO" build -o "$work/bin/$1" "$goroot/src/cmd/$1" >&2
    echo "$work/bin/$1"
}
if [[ -n ${PPROF:-} ]]; then [[ -x $PPROF ]] || die "PPROF=$PPROF is not executable"; else PPROF=$(build_go_tool pprof); fi
if [[ -n ${PREPROFILE:-} ]]; then [[ -x $PREPROFILE ]] || die "PREPROFILE=$PREPROFILE is not executable"; else PREPROFILE=$(build_go_tool preprofile); fi

# --- Inputs ------------------------------------------------------------------------

# Fixture order: small-1 first (pprof re-symbolizes the merge when its first input is an
# empty profile, which would not be a like-for-like comparison), empty.pb.gz last.
shopt -s nullglob
fixtures=()
[[ -f $FIXTURES/small-1.pb.gz ]] && fixtures+=("$FIXTURES/small-1.pb.gz")
for f in "$FIXTURES"/*.pb.gz; do
    case ${f##*/} in small-1.pb.gz | empty.pb.gz) ;; *) fixtures+=("$f") ;; esac
done
[[ -f $FIXTURES/empty.pb.gz ]] && fixtures+=("$FIXTURES/empty.pb.gz")
shopt -u nullglob
((${#fixtures[@]} > 0)) || die "no *.pb.gz fixtures in $FIXTURES"

make_inputs() { # n dir: n profiles, fixtures repeated round-robin, names sorting in that order
    local n=$1 dir=$2 i src dst
    mkdir -p "$dir"
    for ((i = 0; i < n; i++)); do
        src=${fixtures[i % ${#fixtures[@]}]}
        dst=$(printf '%s/%05d-%s' "$dir" "$i" "${src##*/}")
        ln "$src" "$dst" 2>/dev/null || cp "$src" "$dst"
    done
}

# --- Measurement helpers -----------------------------------------------------------

calc() { awk "BEGIN { print $* }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"%$1\", v }"; }

# timed OUT_STATS -- command...: runs it under GNU time, appends "wall rss_kib" to OUT_STATS.
# The command's standard output goes to $stdout_to (or /dev/null), standard error to $err_log.
timed() {
    local stats=$1 tf="$work/time.out"
    shift 2
    if ! $TIME -f '%e %M' -o "$tf" "$@" >"${stdout_to:-/dev/null}" 2>"$err_log"; then
        echo "merge.sh: command failed: $*" >&2
        tail -n 20 "$err_log" >&2
        exit 1
    fi
    tail -n 1 "$tf" >>"$stats"
}

# --- Benchmark ---------------------------------------------------------------------

log "pgo:        $PGO"
log "pprof:      $PPROF"
log "preprofile: $PREPROFILE"
log "fixtures:   ${fixtures[*]##*/} (round-robin)"
log "sizes: $SIZES; runs per tool: $RUNS; cores: $(nproc 2>/dev/null || echo '?')"

declare -A pgo_wall pprof_wall pgo_rss pprof_rss input_mb floor
sanity=()
err_log="$work/stderr.log"

for n in $SIZES; do
    dir="$work/in-$n"
    out="$work/out-$n"
    mkdir -p "$out"
    make_inputs "$n" "$dir"
    files=("$dir"/*.pb.gz)
    bytes=$(stat -c %s "${files[@]}" | awk '{ s += $1 } END { print s }')
    input_mb[$n]=$(calc "$bytes / 1048576")

    # Sanity check (also warms the page cache and the binaries): go tool preprofile must
    # read the same thing from pgo's outputs as from pprof's.
    log "N=$n: sanity check"
    "$PGO" merge -o "$out/pgo-full.pb.gz" "${files[@]}" 2>"$err_log" || { cat "$err_log" >&2; die "pgo merge failed at N=$n"; }
    "$PGO" merge --for go -o "$out/pgo-go.pb.gz" "${files[@]}" 2>"$err_log" || { cat "$err_log" >&2; die "pgo merge --for go failed at N=$n"; }
    "$PPROF" -proto -symbolize=none "${files[@]}" >"$out/pprof.pb.gz" 2>"$err_log" || { cat "$err_log" >&2; die "pprof failed at N=$n"; }
    for f in pgo-full pgo-go pprof; do
        "$PREPROFILE" -i "$out/$f.pb.gz" >"$out/$f.preprofile" 2>"$err_log" || { cat "$err_log" >&2; die "preprofile failed on $f output at N=$n"; }
    done
    verdict() { cmp -s "$out/$1.preprofile" "$out/pprof.preprofile" && echo identical || echo DIFFERENT; }
    go_same=$(verdict pgo-go)
    full_same=$(verdict pgo-full)
    sanity+=("$(printf '%6d  preprofile(pgo --for go) vs preprofile(pprof): %-9s  preprofile(pgo) vs preprofile(pprof): %-9s  bytes: pgo %d, pgo --for go %d, pprof %d' \
        "$n" "$go_same" "$full_same" "$(stat -c %s "$out/pgo-full.pb.gz")" "$(stat -c %s "$out/pgo-go.pb.gz")" "$(stat -c %s "$out/pprof.pb.gz")")")

    # The floor: inflating the same inputs with zlib alone (Python's zlib module is the C
    # library), on one core, reading excluded.
    floor[$n]=$(python3 - "${files[@]}" <<'PY'
import sys, time, zlib
data = [open(path, "rb").read() for path in sys.argv[1:]]
start = time.perf_counter()
for blob in data:
    zlib.decompress(blob, 47)
print(f"{time.perf_counter() - start:.3f}")
PY
)

    # Timed runs, alternating the two tools so machine noise hits both alike. Both write a
    # full merged profile (pgo without --for go; pprof -proto).
    : >"$work/pgo.stats"
    : >"$work/pprof.stats"
    for ((r = 1; r <= RUNS; r++)); do
        log "N=$n: run $r/$RUNS"
        stdout_to=/dev/null timed "$work/pgo.stats" -- "$PGO" merge -o "$out/timed-pgo.pb.gz" "${files[@]}"
        stdout_to="$out/timed-pprof.pb.gz" timed "$work/pprof.stats" -- "$PPROF" -proto -symbolize=none "${files[@]}"
    done
    pgo_wall[$n]=$(median $(awk '{ print $1 }' "$work/pgo.stats"))
    pprof_wall[$n]=$(median $(awk '{ print $1 }' "$work/pprof.stats"))
    pgo_rss[$n]=$(calc "$(median $(awk '{ print $2 }' "$work/pgo.stats")) / 1024")
    pprof_rss[$n]=$(calc "$(median $(awk '{ print $2 }' "$work/pprof.stats")) / 1024")
    rm -rf "$dir"
done

# --- Report ------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "Merge benchmark: pgo merge vs go tool pprof -proto -symbolize=none"
echo "($RUNS runs each, medians; wall from GNU time %e (10 ms resolution), peak RSS from %M; $(nproc 2>/dev/null || echo '?') cores)"
echo
printf '%6s %10s %10s %10s %9s %10s %10s %9s %10s\n' N 'input MiB' 'pgo s' 'pprof s' 'pgo/pprof' 'pgo RSS' 'pprof RSS' 'RSS ratio' 'zlib s'
printf '%6s %10s %10s %10s %9s %10s %10s %9s %10s\n' '' '' '' '' '(wall)' '(MiB)' '(MiB)' '' '(1 core)'
for n in $SIZES; do
    printf '%6d %10s %10s %10s %9s %10s %10s %9s %10s\n' "$n" "$(fmt .2f "${input_mb[$n]}")" \
        "$(fmt .2f "${pgo_wall[$n]}")" "$(fmt .2f "${pprof_wall[$n]}")" "$(ratio "${pgo_wall[$n]}" "${pprof_wall[$n]}")" \
        "$(fmt .1f "${pgo_rss[$n]}")" "$(fmt .1f "${pprof_rss[$n]}")" "$(ratio "${pgo_rss[$n]}" "${pprof_rss[$n]}")" "$(fmt .2f "${floor[$n]}")"
done
echo "(zlib s: the floor, inflating the same inputs with zlib alone on one core; pgo merges on every core)"
echo
echo "Sanity check (go tool preprofile output, merged profile sizes):"
printf '%s\n' "${sanity[@]}"
echo

# Targets: wall <= 0.25x pprof at 504 and 20000 inputs; pgo's peak RSS at 2016 <= 1.5x at 24.
results=()
all_met=yes
evaluated=0
for n in 504 20000; do
    [[ -n ${pgo_wall[$n]:-} ]] || continue
    evaluated=$((evaluated + 1))
    r=$(ratio "${pgo_wall[$n]}" "${pprof_wall[$n]}")
    if awk -v r="$r" 'BEGIN { exit !(r != "n/a" && r <= 0.25) }'; then
        results+=("wall@$n ${r}x <= 0.25x: met")
    else
        results+=("wall@$n ${r}x <= 0.25x: MISSED")
        all_met=no
    fi
done
if [[ -n ${pgo_rss[24]:-} && -n ${pgo_rss[2016]:-} ]]; then
    evaluated=$((evaluated + 1))
    r=$(ratio "${pgo_rss[2016]}" "${pgo_rss[24]}")
    if awk -v r="$r" 'BEGIN { exit !(r <= 1.5) }'; then
        results+=("RSS@2016/RSS@24 ${r}x <= 1.5x: met")
    else
        results+=("RSS@2016/RSS@24 ${r}x <= 1.5x: MISSED")
        all_met=no
    fi
fi
for line in "${sanity[@]}"; do
    [[ $line == *DIFFERENT* ]] && all_met=no && results+=("preprofile outputs differ: MISSED") && break
done
if ((evaluated == 0)); then
    echo "TARGETS: not evaluated (need sizes 504/20000 for wall, 24 and 2016 for RSS)"
elif [[ $all_met == yes ]]; then
    echo "TARGETS MET: $(IFS=';'; echo "${results[*]}" | sed 's/;/; /g')"
else
    echo "TARGETS MISSED: $(IFS=';'; echo "${results[*]}" | sed 's/;/; /g')"
fi
