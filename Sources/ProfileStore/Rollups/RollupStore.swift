import Foundation

/// A store with both of its areas beside the profiles: symbol files and rollups.
public typealias FullProfileStore = ProfileStore & SymbolStore & RollupStore

/// Where `pgo compact` keeps a service's rollups: merged profiles of whole hours or days, each
/// with a record of exactly which raw objects it covers, beside (never among) the raw profiles.
///
/// The layout, under the store's root or prefix:
///
///     rollups/SERVICE/PERIOD/START-HASH.pb.gz        the merged profile (canonical pprof)
///     rollups/SERVICE/PERIOD/START-HASH.pb.gz.json   its record: what it covers (written last)
///
/// PERIOD is `1h` or `1d`; START is the period's first Unix millisecond (13 digits, UTC-aligned)
/// and HASH the first 16 hex digits of the profile's SHA-256, as raw keys have. Instrumented
/// rollups end in `.profdata` (and `.profdata.json`). A profile without its record is not a
/// rollup yet: a compactor killed between the two leaves nothing a fetch would use.
public protocol RollupStore: Sendable {
    var location: String { get }
    /// What the area's keys start with before `rollups/` (the S3 prefix; empty locally).
    var rollupKeyPrefix: String { get }
    /// The raw profiles' layout: rollups are written for the swift-pgo layout only.
    var keyLayout: KeyLayout { get }

    /// Every object in `service`'s rollup area, by key (profiles and records; anything else is
    /// for the caller to report). Sizes and ETags as for raw listings; `createdAt` is the
    /// period's start where the key has one.
    func listRollupObjects(service: String) async throws -> [StoredProfile]

    /// Writes one object of the area (atomically: readers see all of it or nothing).
    func writeRollupObject(_ bytes: [UInt8], key: String) async throws

    /// The bytes of one object of the area (a record; profiles are read with `getWithDigest`).
    func readRollupObject(key: String) async throws -> [UInt8]

    func deleteRollupObject(key: String) async throws
}

/// How long a rollup's period is. Periods are aligned to the Unix epoch (UTC).
public enum RollupPeriod: String, Sendable, Codable, CaseIterable, Comparable {
    case hour = "1h"
    case day = "1d"

    public var milliseconds: Int64 {
        switch self {
        case .hour: 3_600_000
        case .day: 86_400_000
        }
    }

    /// The start of the period `milliseconds` falls in.
    public func start(of milliseconds: Int64) -> Int64 {
        let remainder = milliseconds % self.milliseconds
        return milliseconds - (remainder < 0 ? remainder + self.milliseconds : remainder)
    }

    public static func < (a: Self, b: Self) -> Bool { a.milliseconds < b.milliseconds }
}

/// The keys of the rollup area: the one place that says what they look like.
public enum RollupKey {
    /// The directory of the area under a store's root or prefix.
    public static let area = "rollups"
    /// What a record's key adds to its profile's key.
    public static let recordSuffix = ".json"

    /// `[prefix/]rollups/SERVICE/`: what every key of a service's rollups starts with.
    public static func servicePrefix(prefix: String, service: String) -> String {
        (prefix.isEmpty ? "" : prefix + "/") + area + "/" + service + "/"
    }

    /// The key of a rollup profile.
    public static func profileKey(
        prefix: String, service: String, period: RollupPeriod, start: Int64, contentHash: String, kind: ProfileKind
    ) -> String {
        let digits = String(start)
        let padded = String(repeating: "0", count: max(0, 13 - digits.count)) + digits
        return servicePrefix(prefix: prefix, service: service) + period.rawValue + "/" + padded + "-" + contentHash.prefix(16) + kind.fileExtension
    }

    /// The key of a profile's record.
    public static func recordKey(ofProfile key: String) -> String { key + recordSuffix }

    /// What a key of the area names, or nil for anything else in it.
    public struct Parsed: Hashable, Sendable {
        public var period: RollupPeriod
        public var start: Int64
        public var kind: ProfileKind
        public var isRecord: Bool
        /// The profile's key (for a record, the key it is the record of).
        public var profileKey: String
    }

    public static func parse(_ key: String, prefix: String, service: String) -> Parsed? {
        let start = servicePrefix(prefix: prefix, service: service)
        guard key.hasPrefix(start) else { return nil }
        let parts = key.dropFirst(start.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let period = RollupPeriod(rawValue: String(parts[0])) else { return nil }
        let isRecord = parts[1].hasSuffix(recordSuffix)
        let name = isRecord ? parts[1].dropLast(recordSuffix.count) : parts[1]
        guard let parsed = KeyScheme.standardName(name), parsed.milliseconds % period.milliseconds == 0 else { return nil }
        return Parsed(
            period: period, start: parsed.milliseconds, kind: ProfileKind(key: String(name)), isRecord: isRecord,
            profileKey: isRecord ? String(key.dropLast(recordSuffix.count)) : key)
    }
}
