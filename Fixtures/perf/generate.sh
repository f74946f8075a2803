#!/usr/bin/env bash
# Regenerates the perf script fixtures: real `perf script` output of workload.swift, recorded
# with `perf record -e cpu-clock` with (-g) and without call graphs, cut down to a few KB that
# keep every kind of frame the parser must cope with (kernel, ld.so, libc, libswiftCore,
# [unknown] symbols and DSOs, the binary itself). perf 6.1, Swift 6.3.1, Debian 12.
# The goldens (*.expected) are written by an independent Python reading of the same text.
# The binary is not kept: the end-to-end test builds and records its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swiftc=${SWIFTC:-$(command -v swiftc)}
"$swiftc" -O -g -debug-info-for-profiling -module-name W -parse-as-library workload.swift -o "$work/w"
perf record -q -e cpu-clock -g -o "$work/g.data" "$work/w" 100000000 >/dev/null
perf record -q -e cpu-clock -o "$work/n.data" "$work/w" 100000000 >/dev/null
perf script -i "$work/g.data" 2>/dev/null | sed "s#$work/w#/app/w#g" > "$work/g.txt"
perf script -i "$work/n.data" 2>/dev/null | sed "s#$work/w#/app/w#g" > "$work/n.txt"
# Call graphs: the first 4 samples (start-up: ld.so, kernel), then samples by kind.
python3 - "$work/g.txt" callgraph.txt <<'PY'
import sys
records = open(sys.argv[1]).read().strip("\n").split("\n\n")
picked, seen = records[:4], set()
kinds = [("libswiftCore", 3), ("[unknown] (/app/w)", 1), ("libc.so", 2), ("kallsyms", 2), ("s1W8classify", 3), ("s1W3mix", 3), ("s1W4Main", 3)]
for kind, n in kinds:
    for r in records[4:]:
        if n and kind in r and r not in picked:
            picked.append(r); n -= 1
open(sys.argv[2], "w").write("\n\n".join(picked) + "\n\n")
PY
# Without call graphs: the first 12 lines, then 12 lines in the binary and 4 in libswiftCore.
awk 'NR <= 12 || (/\(\/app\/w\)/ && w++ < 12) || (/libswiftCore/ && s++ < 4)' "$work/n.txt" > leaf-only.txt
for name in callgraph leaf-only; do python3 expected.py "$name.txt" > "$name.expected"; done
