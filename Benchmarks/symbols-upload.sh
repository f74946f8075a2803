#!/usr/bin/env bash
# Symbol upload benchmark: `pgo symbols upload` of a large ELF (multipart, parts signed and sent
# 4 at a time) against `aws s3 cp` of the same file, both to a private, local moto server.
#
# Usage: Benchmarks/symbols-upload.sh     (see Benchmarks/README.md)
#
# Environment:
#   PGO=path          pgo binary to test (default: build it with swift build -c release)
#   SIZE_MB=1000      megabytes of data added to the ELF (an extra section)
#   RUNS=3            timed runs per tool (medians are reported)
#   PGO_PYTHON, PGO_AWS  moto's python and the aws CLI (default: from .build-peers/env.sh)
#
# Exits non-zero only when something is broken (a tool fails, the stored object differs).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"

SIZE_MB=${SIZE_MB:-1000}
RUNS=${RUNS:-3}
require_gnu_time
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB must be a positive integer, got '$SIZE_MB'"
if [[ -z ${PGO_PYTHON:-} || -z ${PGO_AWS:-} ]]; then
    [[ -f $root/.build-peers/env.sh ]] || die "run .ci/install-peers first (or set PGO_PYTHON and PGO_AWS)"
    saved_pgo=${PGO:-}
    # shellcheck source=/dev/null
    source "$root/.build-peers/env.sh"
    PGO=$saved_pgo
fi
swiftc=$(command -v swiftc) || die "swiftc not found"
objcopy="$(dirname "$(readlink -f "$swiftc")")/llvm-objcopy"
[[ -x $objcopy ]] || die "no llvm-objcopy next to $swiftc"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgo-symbols-bench.XXXXXX")
err_log=$work/errors.log
moto_pid=
cleanup() {
    [[ -z $moto_pid ]] || { kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
on_exit cleanup

PGO=$(given_or_built PGO pgo .build-bench)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PGO_PYTHON" -m moto.server -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:$port HOME=$work
for _ in $(seq 100); do "$PGO_AWS" s3 mb s3://symbols >/dev/null 2>&1 && break; sleep 0.1; done
"$PGO_AWS" s3 ls s3://symbols >/dev/null || die "moto did not start: $(tail -5 "$work/moto.log")"

log "making a $SIZE_MB MB ELF with a build ID and line tables"
head -c $((SIZE_MB * 1000000)) /dev/urandom > "$work/data"
"$objcopy" --add-section .bench="$work/data" "$PGO" "$work/big"
rm "$work/data"
build_id=$(readelf -n "$work/big" | sed -n 's/.*Build ID: //p')
size=$(stat -c %s "$work/big")

pgo_times=() pgo_kib=() aws_times=() aws_kib=()
for ((r = 0; r < RUNS; r++)); do
    "$PGO_AWS" s3 rm --recursive s3://symbols/ --quiet
    $TIME -f '%e %M' -o "$work/time" "$PGO" symbols upload --store s3://symbols/prod "$work/big" >/dev/null 2>"$err_log" || { cat "$err_log" >&2; die "pgo symbols upload failed"; }
    read -r s kib < "$work/time"; pgo_times+=("$s") pgo_kib+=("$kib")
    $TIME -f '%e %M' -o "$work/time" "$PGO_AWS" s3 cp "$work/big" s3://symbols/aws-copy --quiet 2>"$err_log" || { cat "$err_log" >&2; die "aws s3 cp failed"; }
    read -r s kib < "$work/time"; aws_times+=("$s") aws_kib+=("$kib")
done
"$PGO_AWS" s3 cp "s3://symbols/prod/buildid/$build_id/debuginfo" "$work/back" --quiet
cmp -s "$work/back" "$work/big" || die "the stored symbol file differs from the binary"

pgo_s=$(median "${pgo_times[@]}") aws_s=$(median "${aws_times[@]}")
printf 'upload of %d bytes: pgo symbols upload %.2f s (peak %d MiB), aws s3 cp %.2f s (peak %d MiB), ratio %.2fx\n' \
    "$size" "$pgo_s" "$(( $(median "${pgo_kib[@]}" | cut -d. -f1) / 1024 ))" "$aws_s" "$(( $(median "${aws_kib[@]}" | cut -d. -f1) / 1024 ))" \
    "$(echo "$pgo_s / $aws_s" | bc -l)"
