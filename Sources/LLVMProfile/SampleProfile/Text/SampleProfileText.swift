extension SampleProfile {
    /// The text format `llvm-profdata` and swiftc read:
    /// `NAME:TOTAL:HEAD`, then ` OFFSET[.DISC]: COUNT [CALLEE:COUNT ...]` lines and inlined
    /// callsites ` OFFSET: CALLEE:TOTAL` followed by the callee's lines one space deeper.
    /// Functions are written hottest first, everything else in a fixed order, so equal
    /// profiles give identical text.
    public func textFormat() -> String {
        var out = ""
        let ordered = functions.values.filter { $0.totalSamples > 0 }.sorted { ($0.totalSamples, $1.name) > ($1.totalSamples, $0.name) }
        for function in ordered {
            out += "\(function.name):\(function.totalSamples):\(function.headSamples)\n"
            function.writeBody(into: &out, depth: 1)
        }
        return out
    }
}

extension FunctionSamples {
    func writeBody(into out: inout String, depth: Int) {
        let indent = String(repeating: " ", count: depth)
        for location in bodySamples.keys.sorted() {
            var line = "\(indent)\(location.text): \(bodySamples[location]!)"
            for (callee, calls) in (callTargets[location] ?? [:]).sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                line += " \(callee):\(calls)"
            }
            out += line + "\n"
        }
        for location in inlinees.keys.sorted() {
            for (name, inlinee) in inlinees[location]!.sorted(by: { $0.key < $1.key }) where inlinee.totalSamples > 0 {
                out += "\(indent)\(location.text): \(name):\(inlinee.totalSamples)\n"
                inlinee.writeBody(into: &out, depth: depth + 1)
            }
        }
    }
}
