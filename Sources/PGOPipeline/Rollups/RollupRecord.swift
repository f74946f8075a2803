import BinaryFormats
import Foundation
import Pprof
import ProfileStore

/// What a rollup is: the record `pgo compact` writes beside a rollup's profile, last, so that a
/// profile without one is never used. It says exactly which raw objects the profile covers, so a
/// fetch can add what it does not (a late arrival) and count every profile exactly once.
///
/// The JSON is deterministic (sorted keys, no times of writing): two compactors that merged the
/// same objects write the same bytes.
public struct RollupRecord: Codable, Sendable, Hashable {
    public static let currentFormat = "swift-pgo rollup 1"

    /// A raw object the rollup's profile holds.
    public struct Covered: Codable, Sendable, Hashable {
        public var key: String
        public var size: Int
        /// The raw profile's time (Unix milliseconds, from its key).
        public var milliseconds: Int64

        init(_ object: StoredProfile) {
            (key, size, milliseconds) = (object.key, object.size, object.createdAt.unixMilliseconds)
        }
    }

    /// A raw object of the period that could not be merged, and why: a fetch skips it with the
    /// same reason instead of downloading it again.
    public struct Rejected: Codable, Sendable, Hashable {
        public var key: String
        public var milliseconds: Int64
        public var reason: String
    }

    public var format: String
    public var service: String
    public var period: RollupPeriod
    /// The period's first millisecond, and as a timestamp for readers.
    public var startMilliseconds: Int64
    public var start: String
    /// `pprof` or `profdata`.
    public var kind: String
    public var profileKey: String
    public var profileSize: Int
    public var profileSHA256: String
    /// Sorted by key.
    public var covers: [Covered]
    public var rejected: [Rejected]
    /// The executables profiled (build IDs, or `file:NAME`): merging loses which mappings were main.
    public var mainBinaries: [String]
    /// Instrumented rollups: base64 of one raw profile per binary with every counter at 1
    /// (`InstrumentedProfileMerge.smoothingTemplates`), so the fetch can smooth once over the window.
    public var smoothingTemplates: [String]? = nil

    public func templateBytes() throws -> [[UInt8]] {
        try (smoothingTemplates ?? []).map { text in
            guard let data = Data(base64Encoded: text) else { throw RollupError("\(profileKey): a smoothing template is not base64") }
            return Array(data)
        }
    }

    public var endMilliseconds: Int64 { startMilliseconds + period.milliseconds }

    /// Every raw key the record accounts for: covered and rejected.
    public var accountedKeys: Set<String> { Set(covers.map(\.key)).union(rejected.map(\.key)) }

    public var mainBinaryIdentities: Set<BinaryIdentity> {
        Set(mainBinaries.map { $0.hasPrefix("file:") ? .file(String($0.dropFirst(5))) : .buildID($0) })
    }

    public static func encode(mainBinaries: Set<BinaryIdentity>) -> [String] {
        mainBinaries.map { identity in
            switch identity {
            case .buildID(let id): id
            case .file(let name): "file:" + name
            }
        }.sorted()
    }

    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Reads and checks a record stored at `key` for `service`: its format, and that it names
    /// the profile and period its key does.
    public static func decode(_ bytes: [UInt8], key: String, prefix: String, service: String) throws -> RollupRecord {
        guard let parsed = RollupKey.parse(key, prefix: prefix, service: service), parsed.isRecord else {
            throw RollupError("\(key): not a rollup record's key")
        }
        let record: RollupRecord
        do { record = try JSONDecoder().decode(RollupRecord.self, from: Data(bytes)) } catch {
            throw RollupError("\(key): not a rollup record (\(error))")
        }
        guard record.format == currentFormat else { throw RollupError("\(key): format '\(record.format)', expected '\(currentFormat)'") }
        guard record.service == service, record.profileKey == parsed.profileKey, record.period == parsed.period,
              record.startMilliseconds == parsed.start, record.kind == (parsed.kind == .pprof ? "pprof" : "profdata")
        else { throw RollupError("\(key): the record does not describe the profile its key names") }
        let range = record.startMilliseconds..<record.endMilliseconds
        if let stray = record.covers.first(where: { !range.contains($0.milliseconds) }) {
            throw RollupError("\(key): it covers \(stray.key), outside its period")
        }
        return record
    }
}

/// A rollup that cannot be used, naming its key.
public struct RollupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A rollup found in a store: its record and its profile object, ready to download.
public struct StoredRollup: Sendable, Hashable {
    public var record: RollupRecord
    public var recordKey: String
    /// The profile, as `getWithDigest` downloads it (its key carries its hash; its size is the record's).
    public var profile: StoredProfile

    public var period: RollupPeriod { record.period }
    public var range: ClosedRange<Int64> { record.startMilliseconds...(record.endMilliseconds - 1) }

    /// Why `download` is not the rollup's profile (the record's size, SHA-256 and kind), or nil.
    /// Every reader of a rollup, fetch and compaction, checks it here.
    public func mismatch(_ download: DownloadedProfile) -> String? {
        if let problem = profile.mismatch(download) { return problem }
        let digest = hexString(download.sha256)
        guard digest == record.profileSHA256 else { return "SHA-256 \(digest), but the record says \(record.profileSHA256)" }
        if record.kind != "pprof", !LLVMProfileMagic.isIndexed(download.bytes) { return "not an indexed profile, as the record says" }
        return nil
    }
}

extension StoredRollup: Comparable {
    /// The order rollups are preferred in: the most covered first, then the longer period, then by key.
    public static func < (a: Self, b: Self) -> Bool {
        (-a.record.covers.count, -a.period.milliseconds, a.profile.key) < (-b.record.covers.count, -b.period.milliseconds, b.profile.key)
    }
}
