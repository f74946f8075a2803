import Foundation

/// What went into a build's profile, so a build can always say which profiles it used.
public struct FetchManifest: Codable, Sendable, Equatable {
    public struct Object: Codable, Sendable, Equatable {
        public var key: String
        public var time: String
        public var size: Int
        public var sha256: String
        public var etag: String?
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

    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8)) + [0x0a]
    }
}
