extension Profile {
    /// A complete, line-oriented text rendering with strings resolved. Golden tests compare it,
    /// and it is what a reviewer reads in a diff; it is not meant to be parsed.
    public func textRendering() -> String {
        var out: [String] = []
        func valueType(_ t: ValueType) -> String { "\(string(t.type))/\(string(t.unit))" }
        out.append("sample types: " + sampleTypes.map(valueType).joined(separator: " "))
        if let periodType { out.append("period: \(period) \(valueType(periodType))") } else if period != 0 { out.append("period: \(period)") }
        if timeNanos != 0 { out.append("time: \(timeNanos) ns") }
        if durationNanos != 0 { out.append("duration: \(durationNanos) ns") }
        if defaultSampleType != 0 { out.append("default sample type: \(string(defaultSampleType))") }
        if dropFrames != 0 { out.append("drop frames: \(string(dropFrames))") }
        if keepFrames != 0 { out.append("keep frames: \(string(keepFrames))") }
        if docURL != 0 { out.append("doc url: \(string(docURL))") }
        for comment in comments { out.append("comment: \(string(comment))") }

        out.append("samples: \(samples.count)")
        for sample in samples {
            var line = "  " + sample.values.map(String.init).joined(separator: " ") + " @ "
                + sample.locationIDs.map(String.init).joined(separator: " ")
            for label in sample.labels {
                if label.str != 0 {
                    line += " {\(string(label.key))=\(string(label.str))}"
                } else {
                    let unit = label.numUnit != 0 ? " \(string(label.numUnit))" : ""
                    line += " {\(string(label.key))=\(label.num)\(unit)}"
                }
            }
            out.append(line)
        }
        out.append("locations: \(locations.count)")
        for location in locations {
            var head = "  \(location.id): 0x\(String(location.address, radix: 16))"
            if location.mappingID != 0 { head += " M=\(location.mappingID)" }
            if location.isFolded { head += " [folded]" }
            out.append(head)
            for line in location.lines {
                let column = line.column != 0 ? ":\(line.column)" : ""
                out.append("      F=\(line.functionID) line \(line.line)\(column)")
            }
        }
        out.append("functions: \(functions.count)")
        for f in functions {
            var line = "  \(f.id): \(string(f.name))"
            if f.systemName != 0 && f.systemName != f.name { line += " [\(string(f.systemName))]" }
            if f.filename != 0 { line += " \(string(f.filename))" }
            line += " s=\(f.startLine)"
            out.append(line)
        }
        out.append("mappings: \(mappings.count)")
        for m in mappings {
            var line = "  \(m.id): 0x\(String(m.memoryStart, radix: 16))-0x\(String(m.memoryLimit, radix: 16))"
                + " +0x\(String(m.fileOffset, radix: 16)) \(string(m.filename))"
            if m.buildID != 0 { line += " build-id=\(string(m.buildID))" }
            let flags = [(m.hasFunctions, "FN"), (m.hasFilenames, "FL"), (m.hasLineNumbers, "LN"), (m.hasInlineFrames, "IN")]
                .filter(\.0).map(\.1)
            if !flags.isEmpty { line += " [" + flags.joined(separator: " ") + "]" }
            out.append(line)
        }
        return out.joined(separator: "\n") + "\n"
    }
}
