#!/usr/bin/env python3
"""Summarise and sanity-check swift-pgo's Go-made fixture profiles.

Standard library only; a minimal, independent pprof decoder (it accepts packed
and unpacked repeated scalars and skips unknown fields).

  check_profiles.py                 check Fixtures/profiles/* against the
                                    expectations in generate.sh; print a table
  check_profiles.py FILE...         print the table for the given files
  check_profiles.py --count FILE    print the sample count (sum of value[0])
"""

import gzip
import os
import sys


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def fields(buf):
    i = 0
    while i < len(buf):
        k, i = read_varint(buf, i)
        field, wt = k >> 3, k & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"invalid wire type {wt}")
        if i > len(buf):
            raise ValueError("truncated field")
        yield field, wt, v


def scalars(wt, v):
    """A repeated varint field element: packed (LEN) or a single varint."""
    if wt == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        n, i = read_varint(v, i)
        out.append(n)
    return out


def int64(n):
    return n - (1 << 64) if n >= 1 << 63 else n


def summarise(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    s = {"samples": 0, "stacks": set(), "sample_msgs": 0, "period": 0,
         "period_type": None, "sample_types": [], "locations": 0,
         "inline_locations": 0, "functions": 0, "start_lines": 0, "strings": []}
    period_type = None
    for f, wt, v in fields(data):
        if f == 1:
            s["sample_types"].append({g: x for g, _, x in fields(v)})
        elif f == 2:
            locs, vals = [], []
            for g, wt2, x in fields(v):
                if g == 1:
                    locs += scalars(wt2, x)
                elif g == 2:
                    vals += [int64(n) for n in scalars(wt2, x)]
            s["sample_msgs"] += 1
            s["stacks"].add(tuple(locs))
            s["samples"] += vals[0] if vals else 0
        elif f == 4:
            s["locations"] += 1
            if sum(1 for g, _, _ in fields(v) if g == 4) > 1:
                s["inline_locations"] += 1
        elif f == 5:
            s["functions"] += 1
            if any(g == 5 and x for g, _, x in fields(v)):
                s["start_lines"] += 1
        elif f == 6:
            s["strings"].append(v.decode("utf-8"))
        elif f == 11:
            period_type = {g: x for g, _, x in fields(v)}
        elif f == 12:
            s["period"] = int64(v)
    st = s["strings"]
    name = lambda vt: f"{st[vt.get(1, 0)]}/{st[vt.get(2, 0)]}"
    s["period_type"] = name(period_type) if period_type else "-"
    s["sample_types"] = [name(vt) for vt in s["sample_types"]]
    s["stacks"] = len(s["stacks"])
    return s


def row(path, s):
    return (f"{os.path.basename(path):24} {os.path.getsize(path):>8} {s['samples']:>7} "
            f"{s['sample_msgs']:>7} {s['stacks']:>6} {s['period']:>9} {s['locations']:>5} "
            f"{s['inline_locations']:>6} {s['start_lines']:>3}/{s['functions']:<3} "
            f"{','.join(s['sample_types'])}")


HEADER = (f"{'file':24} {'bytes':>8} {'samples':>7} {'Samples':>7} {'stacks':>6} "
          f"{'period':>9} {'locs':>5} {'inline':>6} start_line  sample types")


# file -> (min samples, max samples, min distinct stacks, period)
EXPECT = {
    "small-1.pb.gz": (50, None, 20, 10_000_000),
    "small-2.pb.gz": (50, None, 20, 10_000_000),
    "small-3.pb.gz": (50, None, 20, 10_000_000),
    "small-4.pb.gz": (50, None, 20, 10_000_000),
    "large.pb.gz": (1500, None, 300, 10_000_000),
    "empty.pb.gz": (0, 0, 0, 10_000_000),
    "rate-500hz.pb.gz": (50, None, 20, 2_000_000),
    "other-binary.pb.gz": (50, None, 20, 10_000_000),
}


def main(argv):
    if argv[:1] == ["--count"]:
        print(summarise(argv[1])["samples"])
        return 0
    if argv:
        print(HEADER)
        for p in argv:
            print(row(p, summarise(p)))
        return 0
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiles")
    print(HEADER)
    failures = []
    for name, (lo, hi, stacks, period) in EXPECT.items():
        p = os.path.join(root, name)
        s = summarise(p)
        print(row(p, s))
        if s["samples"] < lo or (hi is not None and s["samples"] > hi):
            failures.append(f"{name}: {s['samples']} samples, expected {lo}..{hi}")
        if s["stacks"] < stacks:
            failures.append(f"{name}: {s['stacks']} distinct stacks, expected >= {stacks}")
        if s["period"] != period:
            failures.append(f"{name}: period {s['period']}, expected {period}")
        if s["samples"] and not s["inline_locations"]:
            failures.append(f"{name}: no Location with inline frames")
        if s["functions"] and s["start_lines"] == 0:
            failures.append(f"{name}: no Function has start_line")
        if s["period_type"] != "cpu/nanoseconds":
            failures.append(f"{name}: period_type {s['period_type']}")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
