# An independent reading of perf script text for the parser's goldens: one line per sample
# ("sample LINE: COMMAND TID TIME_NS PERIOD EVENT"), then one per frame
# ("  ADDRESS|SYMBOL|OFFSET|DSO", '-' where perf printed [unknown] or nothing).
import re, sys
header = re.compile(r"^\s*(.+?)\s+(\d+)(?:/(\d+))?\s+(?:\[(\d+)\]\s+)?(\d+)\.(\d+):\s+(?:(\d+)\s+)?(\S+):\s*(.*)$")
frame = re.compile(r"^\s*([0-9a-f]+)\s+(.*?)\s*\(([^()]*)\)$")
def show(text):
    m = frame.match(text)
    address, symbol, dso = int(m.group(1), 16), m.group(2), m.group(3)
    offset = "-"
    sm = re.match(r"^(.+)\+0x([0-9a-f]+)$", symbol)
    if sm: symbol, offset = sm.group(1), "%x" % int(sm.group(2), 16)
    return "  %x|%s|%s|%s" % (address, "-" if symbol in ("", "[unknown]") else symbol, offset, "-" if dso == "[unknown]" else dso)
for number, line in enumerate(open(sys.argv[1]).read().split("\n"), 1):
    if not line.strip(): continue
    m = header.match(line)
    if m and not line.startswith("\t"):
        time = int(m.group(5)) * 10**9 + int(m.group(6).ljust(9, "0")[:9])
        tid = m.group(3) or m.group(2)
        print("sample %d: %s %s %d %s %s" % (number, m.group(1), tid, time, m.group(7) or "-", m.group(8)))
        if m.group(9): print(show(m.group(9)))
    else:
        print(show(line))
