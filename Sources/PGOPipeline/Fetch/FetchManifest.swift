import Foundation

/// A JSON string literal (RFC 8259 escaping).
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// What went into a build's profile, so a build can always say which profiles it used.
public struct FetchManifest: Codable, Sendable, Equatable {
    public struct Object: Codable, Sendable, Equatable {
        public var key: String
        public var time: String
        public var size: Int
        public var sha256: String
        public var etag: String?
        /// For a rollup (`pgo compact`): how many raw profiles it holds, its period (`START/1h`),
        /// and whether it was used whole though the window cuts that period (its raw profiles were gone).
        public var covers: Int? = nil
        public var period: String? = nil
        public var beyondWindow: Bool? = nil
    }

    public struct Output: Codable, Sendable, Equatable {
        public var kind: String
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    public struct SampleTotal: Codable, Sendable, Equatable {
        public var type: String
        public var total: Int64
    }

    public var tool: String
    public var store: String
    public var service: String
    public var window: String
    public var windowFrom: String
    public var windowTo: String
    public var selection: String
    /// `ok`, or `failed` with `reason`: then no profile flags were written.
    public var status: String
    public var reason: String?
    public var objects: [Object]
    public var skipped: [String]
    public var sampleTotals: [SampleTotal]
    public var outputs: [Output]
    public var downloaded: Int
    public var fromCache: Int
    /// For a sample profile: each build in the window, its samples, and where its symbols came from.
    public var builds: [SampleProfileWorkflow.SymbolizationReport.Build]? = nil

    /// The merged profile's hottest functions by their own (flat) share of the samples.
    public struct TopFunction: Codable, Sendable, Equatable {
        public var name: String
        public var flat: Int64
        public var percent: Double
    }
    public var topFunctions: [TopFunction]? = nil

    /// What a reader of a large manifest wants first: how many objects, how many bytes, which times.
    public struct Summary: Codable, Sendable, Equatable {
        public var objects: Int
        /// The raw profiles the objects hold: rollups count what they cover.
        public var profiles: Int
        public var rollups: Int
        public var bytes: Int
        public var skipped: Int
        public var firstTime: String?
        public var lastTime: String?
    }

    public var summary: Summary {
        Summary(objects: objects.count, profiles: objects.reduce(0) { $0 + ($1.covers ?? 1) }, rollups: objects.filter { $0.covers != nil }.count, bytes: objects.reduce(0) { $0 + $1.size }, skipped: skipped.count,
                firstTime: objects.map(\.time).min(), lastTime: objects.map(\.time).max())
    }

    /// The manifest as JSON: the summary first, then the settings and results (keys sorted), then
    /// the objects, one per line. The objects are written by hand, a thousand lines at a time:
    /// JSONEncoder's tree of a 100,000-object manifest, or the whole text at once, took more
    /// memory than the merge.
    public func json() -> [UInt8] {
        var out: [UInt8] = []
        writeJSON { out += $0 }
        return out
    }

    /// `json()` handed over in pieces, for writing a large manifest without holding its text.
    public func writeJSON(_ write: ([UInt8]) throws -> Void) rethrows {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var header = self
        header.objects = []
        // The settings and results, as JSONEncoder writes them, without the objects and with the summary added.
        var members = ((try? encoder.encode(header)).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
        members["objects"] = nil
        let summaryJSON = (try? encoder.encode(summary)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? [:]
        func pretty(_ value: Any) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\n", with: "\n  ")
        }
        var head = "{\n  \"summary\" : \(pretty(summaryJSON)),"
        for key in members.keys.sorted() {
            let value = members[key]!
            let text = value is [String: Any] || value is [Any] ? pretty(value) : pretty([value]).dropFirst().dropLast().trimmingCharacters(in: .whitespacesAndNewlines)
            head += "\n  \(jsonString(key)) : \(text),"
        }
        try write(Array((head + "\n  \"objects\" : [").utf8))
        var piece = ""
        for (index, object) in objects.enumerated() {
            piece += "\n    {\"key\" : \(jsonString(object.key)), \"time\" : \(jsonString(object.time)), \"size\" : \(object.size), \"sha256\" : \(jsonString(object.sha256))"
            if let etag = object.etag { piece += ", \"etag\" : \(jsonString(etag))" }
            if let covers = object.covers { piece += ", \"covers\" : \(covers)" }
            if let period = object.period { piece += ", \"period\" : \(jsonString(period))" }
            if let beyond = object.beyondWindow { piece += ", \"beyondWindow\" : \(beyond)" }
            piece += index + 1 < objects.count ? "}," : "}"
            if index % 1000 == 999 {
                try write(Array(piece.utf8))
                piece = ""
            }
        }
        try write(Array((piece + (objects.isEmpty ? "]\n}\n" : "\n  ]\n}\n")).utf8))
    }
}

extension FetchManifest {
    /// What the fetch did, as Markdown for a CI job summary: the window, the objects and bytes
    /// used, the top functions and the outputs with their hashes, or why the build has no profile.
    public func markdownSummary() -> String {
        var text = "### swift-pgo: \(service)\n\n"
        if status != "ok" {
            return text + "**Built WITHOUT a profile**: \(reason ?? "unknown")\n\nStore `\(store)`, window \(window).\n"
        }
        let s = summary
        text += "Profile from **\(s.objects) object\(s.objects == 1 ? "" : "s")** (\(s.profiles) profiles\(s.rollups > 0 ? ", \(s.rollups) rollups" : ""), \(s.bytes) bytes) "
        text += "of `\(store)`, window \(window) (\(windowFrom) to \(windowTo)), selection `\(selection)`"
        text += skipped.isEmpty ? ".\n" : "; \(skipped.count) skipped.\n"
        if let topFunctions, !topFunctions.isEmpty {
            text += "\n| function | flat |\n|---|---|\n"
            for function in topFunctions {
                text += "| `\(function.name.replacingOccurrences(of: "|", with: "\\|"))` | \(String(format: "%.1f", function.percent)) % |\n"
            }
        }
        text += "\n| output | bytes | SHA-256 |\n|---|---|---|\n"
        for output in outputs { text += "| \(output.kind): `\(output.path)` | \(output.bytes) | `\(output.sha256)` |\n" }
        return text
    }
}
