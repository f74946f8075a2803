#!/usr/bin/env python3
"""Write swift-pgo's synthetic and malformed pprof fixtures.

Standard library only. Contains a tiny protobuf writer (varints, fixed32/64,
length-delimited fields) and one small, valid, hand-built CPU profile. Every
file in malformed/ is that profile (or a real one from profiles/) with exactly
ONE defect; synthetic/ holds the valid profile in several encodings.

Usage: make_malformed.py [FIXTURES_DIR]   (default: the directory of this file)

Everything except malformed/truncated*.pb.gz (which derive from the Go-made
profiles/small-1.pb.gz) is byte-for-byte reproducible: gzip output uses
mtime=0, no file name, level 9.
"""

import copy
import gzip
import io
import os
import random
import sys

# ---------------------------------------------------------------------------
# Protobuf wire format.

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


def varint(n):
    """Encode n as a base-128 varint; negative int64 values use 10 bytes."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def f_varint(field, n):
    return key(field, VARINT) + varint(n)


def f_bytes(field, data):
    return key(field, LEN) + varint(len(data)) + data


def f_fixed64(field, n):
    return key(field, FIXED64) + (n % (1 << 64)).to_bytes(8, "little")


def f_fixed32(field, n):
    return key(field, FIXED32) + (n % (1 << 32)).to_bytes(4, "little")


def f_repeated(field, values, packed):
    """A repeated varint scalar, packed (one LEN field) or one tag per value."""
    if packed:
        return f_bytes(field, b"".join(varint(v) for v in values)) if values else b""
    return b"".join(f_varint(field, v) for v in values)


def f_opt(field, n):
    """proto3 scalar: omitted when zero/false."""
    return f_varint(field, int(n)) if n else b""


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(data)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The synthetic profile, as plain data. String fields hold string_table
# indices. Samples are leaf-first; Location.lines are innermost-first.

STRINGS = [
    "",                                  # 0
    "samples", "count",                  # 1, 2
    "cpu", "nanoseconds",                # 3, 4
    "/usr/local/bin/synthetic",          # 5  mapping filename
    "3f1c0ffee0ddba11",                  # 6  build id
    "main.main", "main.work", "main.leaf",  # 7, 8, 9
    "/src/synthetic/main.go",            # 10
    "^runtime\\.goexit$",                # 11 drop_frames
    "^main\\.keep$",                     # 12 keep_frames
    "synthetic fixture for swift-pgo",   # 13 comment
    "hand-built by make_malformed.py",   # 14 comment
    "thread",                            # 15 label key (string label)
    "worker-1",                          # 16 label value
    "alloc_size",                        # 17 label key (numeric label)
    "bytes",                             # 18 num_unit
    "https://example.com/swift-pgo/fixtures",  # 19 doc_url
]


def base_profile():
    return {
        "sample_type": [{"type": 1, "unit": 2}, {"type": 3, "unit": 4}],
        "sample": [
            # main.leaf inlined into main.work, called from main.main
            {"location_id": [3, 1], "value": [5, 50_000_000],
             "label": [{"key": 15, "str": 16}]},
            # main.work itself
            {"location_id": [2, 1], "value": [2, 20_000_000],
             "label": [{"key": 17, "num": 1024, "num_unit": 18}]},
            # main.leaf (not inlined) <- main.work <- main.main
            {"location_id": [4, 2, 1], "value": [1, 10_000_000],
             "label": [{"key": 15, "str": 16}, {"key": 17, "num": 4096, "num_unit": 18}]},
        ],
        "mapping": [{
            "id": 1, "memory_start": 0x400000, "memory_limit": 0x500000,
            "file_offset": 0x1000, "filename": 5, "build_id": 6,
            "has_functions": True, "has_filenames": True,
            "has_line_numbers": True, "has_inline_frames": True,
        }],
        "location": [
            {"id": 1, "mapping_id": 1, "address": 0x401010,
             "line": [{"function_id": 1, "line": 12, "column": 5}]},
            {"id": 2, "mapping_id": 1, "address": 0x401120,
             "line": [{"function_id": 2, "line": 22, "column": 9}]},
            {"id": 3, "mapping_id": 1, "address": 0x401234,
             "line": [{"function_id": 3, "line": 31, "column": 3},
                      {"function_id": 2, "line": 24, "column": 12}]},
            {"id": 4, "mapping_id": 1, "address": 0x401300, "is_folded": True,
             "line": [{"function_id": 3, "line": 33, "column": 0}]},
        ],
        "function": [
            {"id": 1, "name": 7, "system_name": 7, "filename": 10, "start_line": 10},
            {"id": 2, "name": 8, "system_name": 8, "filename": 10, "start_line": 20},
            {"id": 3, "name": 9, "system_name": 9, "filename": 10, "start_line": 30},
        ],
        "string_table": list(STRINGS),
        "drop_frames": 11,
        "keep_frames": 12,
        "time_nanos": 1_700_000_000_000_000_000,
        "duration_nanos": 1_000_000_000,
        "period_type": {"type": 3, "unit": 4},
        "period": 10_000_000,
        "comment": [13, 14],
        "default_sample_type": 3,
        "doc_url": 19,
    }


# Unknown fields, one of each wire type, with field numbers >= 100. `where`
# says which message they go in; they are placed at the start, middle or end
# of the message so a decoder cannot rely on their position.
def unknown_fields(tag):
    n = 100 + tag * 10
    return [
        f_varint(n, 0xFFFF_FFFF_FFFF),                       # varint
        f_fixed64(n + 1, 0x0123_4567_89AB_CDEF),             # fixed64
        f_bytes(n + 2, b"\x08\x01\x12\x03abc" + bytes([tag])),  # length-delimited
        f_fixed32(n + 3, 0xDEADBEEF),                        # fixed32
    ]


def with_unknown(parts, tag, enabled):
    """Interleave unknown fields into a message's list of encoded fields."""
    if not enabled:
        return b"".join(parts)
    u = unknown_fields(tag)
    mid = len(parts) // 2
    return b"".join([u[0]] + parts[:mid] + [u[1], u[2]] + parts[mid:] + [u[3]])


def enc_value_type(vt, unk):
    return with_unknown([f_opt(1, vt["type"]), f_opt(2, vt["unit"])], 1, unk)


def enc_label(lb, unk):
    parts = [f_opt(1, lb["key"]), f_opt(2, lb.get("str", 0)),
             f_opt(3, lb.get("num", 0)), f_opt(4, lb.get("num_unit", 0))]
    return with_unknown(parts, 2, unk)


def enc_sample(s, packed, unk):
    parts = [f_repeated(1, s["location_id"], packed),
             f_repeated(2, s["value"], packed)]
    parts += [f_bytes(3, enc_label(lb, unk)) for lb in s.get("label", [])]
    return with_unknown(parts, 3, unk)


def enc_mapping(m, unk):
    parts = [f_opt(1, m["id"]), f_opt(2, m["memory_start"]), f_opt(3, m["memory_limit"]),
             f_opt(4, m["file_offset"]), f_opt(5, m["filename"]), f_opt(6, m["build_id"]),
             f_opt(7, m["has_functions"]), f_opt(8, m["has_filenames"]),
             f_opt(9, m["has_line_numbers"]), f_opt(10, m["has_inline_frames"])]
    return with_unknown(parts, 4, unk)


def enc_line(ln, unk):
    parts = [f_opt(1, ln["function_id"]), f_opt(2, ln["line"]), f_opt(3, ln.get("column", 0))]
    return with_unknown(parts, 5, unk)


def enc_location(loc, unk):
    parts = [f_opt(1, loc.get("id", 0)), f_opt(2, loc["mapping_id"]), f_opt(3, loc["address"])]
    parts += [f_bytes(4, enc_line(ln, unk)) for ln in loc["line"]]
    parts.append(f_opt(5, loc.get("is_folded", False)))
    return with_unknown(parts, 6, unk)


def enc_function(fn, unk):
    parts = [f_opt(1, fn.get("id", 0)), f_opt(2, fn["name"]), f_opt(3, fn["system_name"]),
             f_opt(4, fn["filename"]), f_opt(5, fn["start_line"])]
    return with_unknown(parts, 7, unk)


def encode(p, packed=True, unknown=False):
    parts = []
    parts += [f_bytes(1, enc_value_type(vt, unknown)) for vt in p["sample_type"]]
    parts += [f_bytes(2, enc_sample(s, packed, unknown)) for s in p["sample"]]
    parts += [f_bytes(3, enc_mapping(m, unknown)) for m in p["mapping"]]
    parts += [f_bytes(4, enc_location(loc, unknown)) for loc in p["location"]]
    parts += [f_bytes(5, enc_function(fn, unknown)) for fn in p["function"]]
    # string_table[0] == "" must still be written: it is a repeated field.
    parts += [f_bytes(6, s.encode("utf-8")) for s in p["string_table"]]
    parts += [f_opt(7, p["drop_frames"]), f_opt(8, p["keep_frames"]),
              f_opt(9, p["time_nanos"]), f_opt(10, p["duration_nanos"]),
              f_bytes(11, enc_value_type(p["period_type"], unknown)),
              f_opt(12, p["period"]),
              f_repeated(13, p["comment"], packed),
              f_opt(14, p["default_sample_type"]), f_opt(15, p["doc_url"])]
    if unknown:
        u = unknown_fields(0)
        # Profile-level unknowns at the very start, between the tables, at
        # the end, plus one with the largest legal field number.
        parts = ([u[0]] + parts[:4] + [u[1]] + parts[4:9] + [u[2]] + parts[9:]
                 + [u[3], f_bytes((1 << 29) - 1, b"max field number")])
    return b"".join(parts)


# ---------------------------------------------------------------------------
# Helpers for the real-profile-based fixtures.

def read_fields(buf):
    """Top-level (offset_of_key, field, wire_type, payload_start, payload_end)."""
    i, out = 0, []
    while i < len(buf):
        start = i
        k, i = read_varint(buf, i)
        field, wt = k >> 3, k & 7
        if wt == VARINT:
            _, i = read_varint(buf, i)
            out.append((start, field, wt, i, i))
        elif wt == FIXED64:
            i += 8
            out.append((start, field, wt, i, i))
        elif wt == FIXED32:
            i += 4
            out.append((start, field, wt, i, i))
        elif wt == LEN:
            n, i = read_varint(buf, i)
            out.append((start, field, wt, i, i + n))
            i += n
        else:
            raise ValueError(f"wire type {wt} at {start}")
    if i != len(buf):
        raise ValueError("field runs past end of buffer")
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


# ---------------------------------------------------------------------------

def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__))
    syn = os.path.join(root, "synthetic")
    bad = os.path.join(root, "malformed")
    os.makedirs(syn, exist_ok=True)
    os.makedirs(bad, exist_ok=True)

    def write(path, data):
        with open(path, "wb") as f:
            f.write(data)
        print(f"  {os.path.relpath(path, root):40} {len(data):>8} bytes")

    # --- synthetic/: valid profiles --------------------------------------
    p = base_profile()
    valid = encode(p)
    write(os.path.join(syn, "valid.pb"), valid)
    write(os.path.join(syn, "valid.pb.gz"), gz(valid))
    write(os.path.join(syn, "valid-unpacked.pb"), encode(p, packed=False))
    write(os.path.join(syn, "valid-unknown-fields.pb"), encode(p, unknown=True))

    # --- malformed/: one defect each, from the synthetic profile ---------
    def broken(name, mutate):
        q = copy.deepcopy(base_profile())
        mutate(q)
        write(os.path.join(bad, name), gz(encode(q)))

    # Function 1's name points past the end of the string table.
    broken("bad-string-index.pb.gz",
           lambda q: q["function"][0].update(name=len(q["string_table"]) + 5))
    # string_table[0] must be "".
    broken("string-table-not-empty.pb.gz",
           lambda q: q["string_table"].__setitem__(0, "x"))
    # An extra, otherwise well-formed Location whose id field is absent (0).
    broken("zero-id.pb.gz", lambda q: q["location"].append(
        {"mapping_id": 1, "address": 0x401400,
         "line": [{"function_id": 1, "line": 14, "column": 1}]}))
    # An extra Function reusing id 2 (with its own name).
    broken("duplicate-id.pb.gz", lambda q: (
        q["string_table"].append("main.impostor"),
        q["function"].append({"id": 2, "name": len(q["string_table"]) - 1,
                              "system_name": len(q["string_table"]) - 1,
                              "filename": 10, "start_line": 40})))
    # Sample 2 calls through a location id that no Location has.
    broken("dangling-reference.pb.gz",
           lambda q: q["sample"][1].update(location_id=[99, 1]))
    # Sample 2 has 1 value while there are 2 sample types.
    broken("value-count-mismatch.pb.gz",
           lambda q: q["sample"][1].update(value=[2]))

    # A length-delimited field (Profile.sample) claiming 2^40 bytes in a
    # tiny file, after one valid sample_type.
    huge = f_bytes(1, enc_value_type({"type": 1, "unit": 2}, False))
    huge += key(2, LEN) + varint(1 << 40) + f_repeated(1, [1], True)
    write(os.path.join(bad, "huge-length.pb"), huge)

    # --- malformed/: not a profile at all ---------------------------------
    rnd = random.Random(20240611)
    garbage = bytes(rnd.getrandbits(8) for _ in range(2048))
    if garbage[:2] == b"\x1f\x8b":
        garbage = b"\x00" + garbage[1:]
    write(os.path.join(bad, "garbage.bin"), garbage)

    # Random bytes whose first byte is the key (field 1, wire type 7): any
    # protobuf decoder fails on the very first tag with an invalid wire type.
    payload = b"\x0f" + bytes(rnd.getrandbits(8) for _ in range(1023))
    write(os.path.join(bad, "gzip-of-garbage.gz"), gz(payload))

    write(os.path.join(bad, "empty.pb"), b"")

    # --- malformed/: from the real Go profile ------------------------------
    real_gz = open(os.path.join(root, "profiles", "small-1.pb.gz"), "rb").read()
    real = gzip.decompress(real_gz)
    # Cut in the middle of the middle Sample/Location/Function message.
    msgs = [f for f in read_fields(real) if f[2] == LEN and f[1] in (2, 4, 5)
            and f[4] - f[3] >= 4]
    _, _, _, start, end = msgs[len(msgs) // 2]
    write(os.path.join(bad, "truncated.pb.gz"), gz(real[:start + (end - start) // 2]))
    # The gzip stream itself cut at half its length (no trailer, partial data).
    write(os.path.join(bad, "truncated-gzip.pb.gz"), real_gz[:len(real_gz) // 2])

    # --- malformed/: gzip bomb, 512 MiB of zeros, streamed ----------------
    bomb = os.path.join(bad, "gzip-bomb.gz")
    chunk = bytes(1 << 20)
    with open(bomb, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
            for _ in range(512):
                g.write(chunk)
    print(f"  {os.path.relpath(bomb, root):40} {os.path.getsize(bomb):>8} bytes"
          f" (inflates to {512 << 20} bytes)")


if __name__ == "__main__":
    main()
