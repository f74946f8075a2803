import Foundation

extension Profile {
    /// The sum of each sample type's values over all samples, in sample-type order.
    public func sampleTotals() -> [Int64] {
        var totals = [Int64](repeating: 0, count: sampleTypes.count)
        for sample in samples {
            for (i, v) in sample.values.enumerated() where i < totals.count { totals[i] &+= v }
        }
        return totals
    }

    /// The sample types as `type/unit` strings, such as `samples/count`.
    public func sampleTypeNames() -> [String] {
        sampleTypes.map { "\(string($0.type))/\(string($0.unit))" }
    }
}

/// What `pgo inspect` reports: the shape of a profile and where its time goes.
public struct ProfileSummary: Sendable {
    public struct FunctionCost: Sendable, Hashable {
        public var name: String
        /// Value of samples whose leaf-most frame is in this function.
        public var flat: Int64
        /// Value of samples with this function anywhere on the stack (counted once per sample).
        public var cumulative: Int64
    }

    public var sampleTypes: [String]
    /// The sample type the totals and top functions use: the profile's default, else the last.
    public var selectedType: Int
    public var periodType: String?
    public var period: Int64
    public var timeNanos: Int64
    public var durationNanos: Int64
    public var sampleCount: Int
    public var totals: [Int64]
    public var functionCount: Int
    public var locationCount: Int
    public var mappingCount: Int
    public var topFunctions: [FunctionCost]

    public init(_ profile: Profile, top: Int = 10) {
        sampleTypes = profile.sampleTypeNames()
        let defaultType = profile.string(profile.defaultSampleType)
        selectedType = profile.sampleTypes.firstIndex { !defaultType.isEmpty && profile.string($0.type) == defaultType }
            ?? max(profile.sampleTypes.count - 1, 0)
        periodType = profile.periodType.map { "\(profile.string($0.type))/\(profile.string($0.unit))" }
        period = profile.period
        timeNanos = profile.timeNanos
        durationNanos = profile.durationNanos
        sampleCount = profile.samples.count
        functionCount = profile.functions.count
        locationCount = profile.locations.count
        mappingCount = profile.mappings.count
        totals = profile.sampleTotals()

        let locationPositions = IDIndex(profile.locations.lazy.map(\.id))
        let functionPositions = IDIndex(profile.functions.lazy.map(\.id))
        var flat = [Int64](repeating: 0, count: profile.functions.count)
        var cumulative = [Int64](repeating: 0, count: profile.functions.count)
        var seen = [Int](repeating: -1, count: profile.functions.count)
        let column = selectedType
        for (s, sample) in profile.samples.enumerated() where column < sample.values.count {
            let value = sample.values[column]
            for (depth, id) in sample.locationIDs.enumerated() {
                guard let l = locationPositions[id] else { continue }
                for (lineIndex, line) in profile.locations[l].lines.enumerated() {
                    guard let f = functionPositions[line.functionID] else { continue }
                    if depth == 0 && lineIndex == 0 { flat[f] &+= value }
                    if seen[f] != s {
                        seen[f] = s
                        cumulative[f] &+= value
                    }
                }
            }
        }
        topFunctions = profile.functions.indices
            .filter { flat[$0] != 0 || cumulative[$0] != 0 }
            .map { FunctionCost(name: profile.string(profile.functions[$0].name), flat: flat[$0], cumulative: cumulative[$0]) }
            .sorted { ($0.flat, $0.cumulative, $1.name) > ($1.flat, $1.cumulative, $0.name) }
            .prefix(top).map { $0 }
    }

    /// A human-readable report.
    public func text() -> String {
        var out: [String] = []
        out.append("Sample types: " + (sampleTypes.isEmpty ? "(none)" : sampleTypes.joined(separator: ", ")))
        if let periodType {
            var line = "Period:       \(period) \(periodType)"
            if periodType.hasSuffix("/nanoseconds"), period > 0 { line += String(format: " (%.0f Hz)", 1e9 / Double(period)) }
            out.append(line)
        }
        if timeNanos != 0 {
            let date = Date(timeIntervalSince1970: Double(timeNanos) / 1e9)
            out.append("Time:         " + ISO8601DateFormatter().string(from: date))
        }
        out.append("Duration:     " + formatNanoseconds(durationNanos))
        out.append("Samples:      \(sampleCount)")
        for (i, type) in sampleTypes.enumerated() {
            out.append("Total \(type): " + formatValue(totals[i], unit: type))
        }
        out.append("Functions:    \(functionCount)")
        out.append("Locations:    \(locationCount)")
        out.append("Mappings:     \(mappingCount)")
        guard !topFunctions.isEmpty else { return out.joined(separator: "\n") + "\n" }
        let type = sampleTypes[selectedType]
        let total = totals[selectedType]
        out.append("")
        out.append("Top \(topFunctions.count) functions by flat \(type):")
        let rows = topFunctions.map { f in
            [formatValue(f.flat, unit: type), percent(f.flat, total), formatValue(f.cumulative, unit: type), percent(f.cumulative, total), f.name]
        }
        let header = ["flat", "flat%", "cum", "cum%", "function"]
        let widths = (0..<4).map { c in (rows.map { $0[c].count } + [header[c].count]).max()! }
        func format(_ row: [String]) -> String {
            (0..<4).map { String(repeating: " ", count: widths[$0] - row[$0].count) + row[$0] }.joined(separator: "  ") + "  " + row[4]
        }
        out.append(format(header))
        out.append(contentsOf: rows.map(format))
        return out.joined(separator: "\n") + "\n"
    }
}

func percent(_ part: Int64, _ total: Int64) -> String {
    total == 0 ? "-" : String(format: "%.2f%%", Double(part) * 100 / Double(total))
}

func formatValue(_ value: Int64, unit type: String) -> String {
    type.hasSuffix("/nanoseconds") ? formatNanoseconds(value) : String(value)
}

func formatNanoseconds(_ ns: Int64) -> String {
    let v = Double(ns)
    switch abs(v) {
    case 1e9...: return String(format: "%.2fs", v / 1e9)
    case 1e6...: return String(format: "%.2fms", v / 1e6)
    case 1e3...: return String(format: "%.2fus", v / 1e3)
    default: return "\(ns)ns"
    }
}
