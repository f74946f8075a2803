#!/usr/bin/env bash
# Peak memory on inputs built to amplify: small on the wire, huge when decoded (issue 11).
# Each file is gzip within the 256 MiB decompression limit; `pgo inspect` and `go tool pprof -raw`
# read it in the same run, and peak RSS (GNU time %M) and wall time are printed for both.
#   PGO=path   pgo binary (default: built as shipped, --static-swift-stdlib; needs libcurl4-openssl-dev)
#   GO=path    Go toolchain for `go tool pprof` (default: go on PATH)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
source "$here/common.sh"
PGO=$(shipped_pgo)
GO=${GO:-go}
work=$(mktemp -d); on_exit "rm -rf '$work'"
python3 - "$work" <<'PY'
import gzip, sys
work = sys.argv[1]
MiB = 1 << 20
cases = {
    "empty-locations-250MiB": (b"\x22\x00", 250 * MiB),       # field 4 (Location), length 0
    "empty-strings-100MiB": (b"\x32\x00", 100 * MiB),         # field 6 (string), length 0
    "packed-locations-100MiB": (None, 100 * MiB),             # samples with 1,000 packed location ids each
}
for name, (unit, size) in cases.items():
    if unit is None:
        ids = b"\x01" * 1000
        sample = b"\x0a" + bytes([0xe8, 0x07]) + ids          # field 1, length 1000
        unit = b"\x12" + bytes([0xeb, 0x07]) + sample         # field 2 (Sample), length 1003
    with gzip.open(f"{work}/{name}.pb.gz", "wb", compresslevel=9) as f:
        f.write(unit * (size // len(unit)))
PY
printf '%-26s %10s   %-44s %10s %8s   %10s %8s\n' file "gzip KB" "pgo inspect" "pgo MiB" "pgo s" "pprof MiB" "pprof s"
for file in "$work"/*.pb.gz; do
    name=$(basename "$file" .pb.gz)
    kb=$(( $(stat -c %s "$file") / 1024 ))
    /usr/bin/time -f "%M %e" -o "$work/t" "$PGO" inspect "$file" >"$work/out" 2>&1 || true
    read -r rss secs < <(tail -n 1 "$work/t")
    result=$(grep -o 'error: .*' "$work/out" | sed 's/.*: //' | head -c 44 || true)
    /usr/bin/time -f "%M %e" -o "$work/t2" "$GO" tool pprof -raw "$file" >/dev/null 2>&1 || true
    read -r prss psecs < <(tail -n 1 "$work/t2")
    printf '%-26s %10s   %-44s %10s %8s   %10s %8s\n' "$name" "$kb" "${result:-accepted}" "$((rss / 1024))" "$secs" "$((prss / 1024))" "$psecs"
done
# A store holding all three, fetched as a build would (issue 11: 2.9 GB before).
mkdir -p "$work/store/api"
i=0
for file in "$work"/*.pb.gz; do
    hash=$(sha256sum "$file" | cut -c1-16)
    cp "$file" "$work/store/api/179000000000$i-$hash.pb.gz"
    i=$((i + 1))
done
/usr/bin/time -f "%M %e" -o "$work/t" "$PGO" fetch --store "$work/store" --service api --from 0 --go "$work/x.pgo" --cache none >"$work/out" 2>&1 || true
read -r rss secs < <(tail -n 1 "$work/t")
printf '%-26s %10s   %-44s %10s %8s\n' "fetch of all three" "-" "$(grep -c 'skipping' "$work/out") skipped, $(grep -o 'building without PGO' "$work/out" | head -1)" "$((rss / 1024))" "$secs"
