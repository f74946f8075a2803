import Foundation

/// Where services leave their profiles and builds pick them up: the seed's `Storage`
/// (SaveProfile, GetProfile, GetProfiles, DeleteProfile, DeleteProfiles) in Swift form.
///
/// Objects are namespaced by service (the seed's appName) and identified by time. A profile's
/// time comes from its key, never from a file's mtime or an object's LastModified, so copying
/// a store keeps every profile in its window.
public protocol ProfileStore: Sendable {
    /// A description for messages: the URL without credentials.
    var location: String { get }

    /// Stores `profile` (gzip pprof, or an LLVM `.profraw`/`.profdata`, told apart by content) for
    /// `service` at `createdAt`. Saving the same bytes at
    /// the same time again is idempotent: it does not create a duplicate.
    @discardableResult
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile

    /// The objects of `service` in `window`, oldest first, without downloading them.
    func list(service: String, window: TimeWindow) async throws -> StoreListing

    /// The bytes of one listed object.
    func get(_ object: StoredProfile) async throws -> [UInt8]

    /// `get`, with the bytes' SHA-256: stores that check what they download compute it anyway,
    /// and a fetch's manifest records it.
    func getWithDigest(_ object: StoredProfile) async throws -> DownloadedProfile

    /// Deletes one listed object.
    func delete(_ object: StoredProfile) async throws

    /// The services that have stored something, for messages ("did you mean"): empty where a
    /// store cannot tell (pgolib's S3 layout keeps no service in its keys).
    func services() async throws -> [String]
}

/// One stored profile, as a listing reports it.
public struct StoredProfile: Hashable, Sendable, Codable {
    /// The object key (S3) or path relative to the store's root (local directory).
    public var key: String
    public var service: String
    /// The profile's time, from its key, with millisecond precision.
    public var createdAt: Date
    public var size: Int
    /// An identifier of this version of the object's content (S3 ETag; size and mtime locally),
    /// for caches.
    public var etag: String?

    public init(key: String, service: String, createdAt: Date, size: Int, etag: String? = nil) {
        self.key = key
        self.service = service
        self.createdAt = createdAt
        self.size = size
        self.etag = etag
    }
}

/// A listing, with what was found but is not a profile of this layout. Such entries are
/// reported, never silently dropped.
public struct StoreListing: Sendable {
    public var profiles: [StoredProfile]
    public var skipped: [SkippedEntry]
    public init(profiles: [StoredProfile], skipped: [SkippedEntry] = []) {
        self.profiles = profiles
        self.skipped = skipped
    }
}

public struct SkippedEntry: Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var reason: String
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
    public var description: String { "\(key): \(reason)" }
}

/// An error from a store, naming the object and what went wrong.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An object's bytes and their SHA-256.
public struct DownloadedProfile: Sendable {
    public var bytes: [UInt8]
    public var sha256: [UInt8]
    public init(bytes: [UInt8], sha256: [UInt8]) {
        self.bytes = bytes
        self.sha256 = sha256
    }
    public init(bytes: [UInt8]) { self.init(bytes: bytes, sha256: SHA256.hash(bytes)) }
}

extension ProfileStore {
    public func services() async throws -> [String] { [] }

    public func getWithDigest(_ object: StoredProfile) async throws -> DownloadedProfile {
        DownloadedProfile(bytes: try await get(object))
    }

    /// The seed's GetProfile: the profile of `service` saved at `createdAt` (to the millisecond).
    public func get(service: String, createdAt: Date) async throws -> [UInt8] {
        let matches = try await list(service: service, window: TimeWindow(from: createdAt, to: createdAt)).profiles
        guard let first = matches.first else {
            throw StoreError("\(location): no profile of service '\(service)' at \(formatTimestamp(createdAt))")
        }
        guard matches.count == 1 else {
            throw StoreError("\(location): \(matches.count) profiles of service '\(service)' at \(formatTimestamp(createdAt)): \(matches.map(\.key).joined(separator: ", "))")
        }
        return try await get(first)
    }

    /// The seed's GetProfiles: every profile in the window, downloaded `concurrency` at a time.
    public func get(service: String, window: TimeWindow, concurrency: Int = 8) async throws -> [(StoredProfile, [UInt8])] {
        let objects = try await list(service: service, window: window).profiles
        return try await download(objects, concurrency: concurrency)
    }

    /// Downloads `objects`, at most `concurrency` at a time, in the order given.
    public func download(_ objects: [StoredProfile], concurrency: Int = 8) async throws -> [(StoredProfile, [UInt8])] {
        try await boundedMap(objects, concurrency: concurrency) { object in (object, try await self.get(object)) }
    }

    /// The seed's DeleteProfile: deletes what `service` saved at `createdAt`; returns what was deleted.
    @discardableResult
    public func delete(service: String, createdAt: Date) async throws -> [StoredProfile] {
        try await delete(service: service, window: TimeWindow(from: createdAt, to: createdAt))
    }

    /// The seed's DeleteProfiles: deletes every profile in the window; returns what was deleted.
    @discardableResult
    public func delete(service: String, window: TimeWindow, concurrency: Int = 8) async throws -> [StoredProfile] {
        let objects = try await list(service: service, window: window).profiles
        _ = try await boundedMap(objects, concurrency: concurrency) { object in try await self.delete(object) }
        return objects
    }
}

/// Runs `body` over `items` with at most `concurrency` running at once; results keep the input order.
public func boundedMap<T: Sendable, R: Sendable>(
    _ items: [T], concurrency: Int, _ body: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        func startNext() {
            let index = next
            let item = items[index]
            group.addTask { (index, try await body(item)) }
            next += 1
        }
        while next < min(max(concurrency, 1), items.count) { startNext() }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < items.count { startNext() }
        }
        return results.map { $0! }
    }
}
