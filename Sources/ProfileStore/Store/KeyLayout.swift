import Foundation

/// How profile keys are named.
public enum KeyLayout: String, Sendable, CaseIterable {
    /// `[PREFIX/]SERVICE/TTTTTTTTTTTTT-HHHHHHHHHHHHHHHH.pb.gz`: Unix milliseconds, zero-padded to
    /// 13 digits so that keys sort by time and a window is listed from its start with S3's
    /// `start-after`; then 16 hex digits of the content's SHA-256, so two replicas saving in the
    /// same millisecond never overwrite each other and saving the same profile twice does not
    /// make a duplicate. Instrumentation profiles end in `.profraw` or `.profdata` instead.
    case standard = "swift-pgo"
    /// snowmerak/pgolib's names: `DIR/APP-MILLIS.pprof` locally, and on S3 `P/P/-MILLIS.pprof`
    /// for prefix P (pgolib passes the prefix where it meant the app name, so the service is not
    /// part of the key).
    case pgolib
}

/// Forms and reads keys of one layout, relative to a store's root (local) or bucket (S3).
struct KeyScheme: Sendable {
    let layout: KeyLayout
    let isObjectStore: Bool
    /// The S3 key prefix, without a trailing slash; empty for none. Unused locally.
    let prefix: String

    static let extensionPgolib = ".pprof"

    /// Services become path components, so they must be one.
    static func validate(service: String) throws {
        guard !service.isEmpty, !service.hasPrefix("."),
              !service.contains("/"), !service.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else {
            // A leading dot would make a hidden directory or file, which listings pass over.
            throw StoreError("invalid service name '\(service)': it must be non-empty, without '/' or control characters, and not start with '.'")
        }
        guard service != SymbolKey.area else {
            throw StoreError("invalid service name '\(service)': it is the store's area for symbol files (\(SymbolKey.area)/<build ID>/debuginfo)")
        }
        guard service != RollupKey.area else {
            throw StoreError("invalid service name '\(service)': it is the store's area for rollups (\(RollupKey.area)/<service>/<period>/..., written by pgo compact)")
        }
    }

    private var prefixPath: String { prefix.isEmpty ? "" : prefix + "/" }

    /// pgolib's S3 key prefix: its configured prefix with a trailing slash.
    private var pgolibKeyPrefix: String { prefix.hasSuffix("/") ? prefix : prefix + "/" }

    /// The key for an object of `kind`; pgolib's layout holds pprof only.
    func key(service: String, createdAt: Date, contentHash: String, kind: ProfileKind = .pprof) throws -> String {
        // A time outside 13 digits would sort outside every window: `list` could never see it.
        guard TimeWindow.isKeyTime(createdAt) else {
            throw StoreError("the time \(formatTimestamp(createdAt)) cannot be stored: profile times run from \(formatTimestamp(TimeWindow.all.from)) to \(formatTimestamp(TimeWindow.all.to))")
        }
        let millis = createdAt.unixMilliseconds
        switch layout {
        case .standard:
            return "\(prefixPath)\(service)/\(padded(millis))-\(contentHash.prefix(16))\(kind.fileExtension)"
        case .pgolib:
            guard kind == .pprof else { throw StoreError("pgolib's layout holds pprof profiles only; store \(kind.rawValue) files with the swift-pgo layout") }
            return isObjectStore
                ? "\(pgolibKeyPrefix)\(pgolibKeyPrefix)-\(millis)\(Self.extensionPgolib)"
                : "\(service)-\(millis)\(Self.extensionPgolib)"
        }
    }

    /// What every key of `service` starts with.
    func listPrefix(service: String) -> String {
        switch layout {
        case .standard: "\(prefixPath)\(service)/"
        case .pgolib: isObjectStore ? "\(pgolibKeyPrefix)\(pgolibKeyPrefix)-" : "\(service)-"
        }
    }

    /// A key that sorts just before every key at or after `from`, for S3's `start-after`.
    func startAfter(service: String, from: Date) -> String? {
        guard layout == .standard, from.unixMilliseconds > 0 else { return nil }
        return listPrefix(service: service) + padded(from.unixMilliseconds)
    }

    /// Whether keys sort by time, so that a listing may stop at the first key past the window.
    var keysSortByTime: Bool { layout == .standard }

    enum Parsed: Equatable {
        case profile(milliseconds: Int64)
        case notAProfile(reason: String)
        /// A profile of another service that shares the directory (pgolib's flat layout:
        /// `api-canary-MILLIS.pprof` beside `api-MILLIS.pprof`): not this service's, nor a problem.
        case otherService
    }

    /// Reads the time out of a key that starts with `listPrefix(service:)`.
    func parse(key: String, service: String) -> Parsed {
        let listPrefix = listPrefix(service: service)
        guard key.hasPrefix(listPrefix) else { return .notAProfile(reason: "outside this service's prefix \(listPrefix)") }
        let name = key.dropFirst(listPrefix.count)
        switch layout {
        case .standard:
            guard let kind = ProfileKind.allCases.first(where: { name.hasSuffix($0.fileExtension) }) else {
                return .notAProfile(reason: "not named TIME-HASH.pb.gz, .profraw or .profdata (the swift-pgo layout; use --layout pgolib for pgolib's)")
            }
            guard let parsed = Self.standardName(name) else {
                return .notAProfile(reason: "not named TIME-HASH\(kind.fileExtension) with a 13-digit millisecond time and a 16-digit hash")
            }
            return .profile(milliseconds: parsed.milliseconds)
        case .pgolib:
            // Exactly APP-DIGITS.pprof.
            let digits = name.hasSuffix(Self.extensionPgolib) ? name.dropLast(Self.extensionPgolib.count) : ""
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let millis = Int64(digits) { return .profile(milliseconds: millis) }
            if !isObjectStore, Self.isPgolibName(key) { return .otherService }
            return .notAProfile(reason: "not named \(listPrefix)MILLIS\(Self.extensionPgolib) (pgolib's layout)")
        }
    }

    /// The time and content hash of a swift-pgo object name, `TTTTTTTTTTTTT-HHHHHHHHHHHHHHHH.ext`
    /// (13 digits of milliseconds, 16 hex digits of SHA-256), or nil when it is not one.
    static func standardName(_ name: Substring) -> (milliseconds: Int64, hash: Substring)? {
        guard let kind = ProfileKind.allCases.first(where: { name.hasSuffix($0.fileExtension) }) else { return nil }
        // Exactly 13 digits, '-', 16 hex digits: checked on the bytes (every fetched object's key is).
        let stem = name.dropLast(kind.fileExtension.count)
        let bytes = stem.utf8
        guard bytes.count == 30 else { return nil }
        var millis: Int64 = 0
        var index = bytes.startIndex
        for _ in 0..<13 {
            let byte = bytes[index]
            guard (0x30...0x39).contains(byte) else { return nil }
            millis = millis * 10 + Int64(byte - 0x30)
            index = bytes.index(after: index)
        }
        guard bytes[index] == UInt8(ascii: "-") else { return nil }
        let hashStart = bytes.index(after: index)
        guard bytes[hashStart...].allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return (millis, Substring(bytes[hashStart...]))
    }

    /// Whether `name` is some app's pgolib name: APP-DIGITS.pprof.
    static func isPgolibName(_ name: String) -> Bool {
        guard name.hasSuffix(extensionPgolib) else { return false }
        let stem = name.dropLast(extensionPgolib.count)
        guard let dash = stem.lastIndex(of: "-"), dash > stem.startIndex else { return false }
        let digits = stem[stem.index(after: dash)...]
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private func padded(_ millis: Int64) -> String {
        let digits = String(max(millis, 0))
        return String(repeating: "0", count: max(0, 13 - digits.count)) + digits
    }
}
