# Sourced by the benchmark scripts, after `set -euo pipefail`: messages, exit traps, the release
# build of this package's executables, and a runner that shows a failing command's errors.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script_name=$(basename "$0")

die() { echo "$script_name: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

# on_exit FUNCTION: runs FUNCTION when the script ends, also on Ctrl-C and SIGTERM.
on_exit() {
    trap "$1" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# release_build PRODUCT SCRATCH [swift build arguments...]: builds PRODUCT of this package in
# release into SCRATCH (relative to the repository root) and prints the binary's path.
release_build() {
    local product=$1 scratch=$2
    shift 2
    log "building $product: swift build -c release --product $product --scratch-path $scratch $*"
    (cd "$root" && swift build -c release --product "$product" --scratch-path "$scratch" "$@" >&2) || die "building $product failed"
    local bin
    bin="$(cd "$root" && swift build -c release --product "$product" --scratch-path "$scratch" "$@" --show-bin-path)/$product"
    [[ -x $bin ]] || die "no $product binary at $bin after the build"
    echo "$bin"
}

# given_or_built VARIABLE PRODUCT SCRATCH [BUILD ARGS...]: the binary named by $VARIABLE when it
# is set (it must be executable), else PRODUCT from release_build.
given_or_built() {
    local name=$1 value=${!1:-}
    if [[ -n $value ]]; then
        [[ -x $value ]] || die "$name=$value is not executable"
        echo "$value"
    else
        release_build "${@:2}"
    fi
}

# median NUMBERS...: their median.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# checksum_of FILE: the `checksum: HEX` a workload run printed.
checksum_of() { sed -n 's/^checksum: //p' "$1"; }

# run LABEL -- command...: runs it with standard error to $err_log; on failure shows it and dies.
run() {
    local label=$1
    shift 2
    "$@" 2>"$err_log" || { tail -n 30 "$err_log" >&2; die "$label failed: $*"; }
}

# require_gnu_time: sets TIME to GNU time (needed for -f '%e %M' -o FILE: wall time and peak RSS), or dies.
require_gnu_time() {
    TIME=/usr/bin/time
    [[ -x $TIME ]] || die "GNU time is needed at $TIME"
    $TIME -f '%e %M' -o /dev/null true 2>/dev/null || die "$TIME is not GNU time (needs -f and -o)"
}

# shipped_pgo: the pgo binary as the pgo image and the Dockerfiles build it (the Swift runtime and
# Foundation linked statically: without the dynamic loader binding Foundation's symbols, a run
# starts about 15 ms sooner, which is a tenth of a 500-profile merge). $PGO overrides it.
shipped_pgo() {
    given_or_built PGO pgo .build-static --static-swift-stdlib
}
