import BinaryFormats
import Foundation

/// A profile store in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, R2, ...).
///
/// Listing a window costs O(objects in the window): keys of the standard layout sort by time,
/// so the listing starts at the window's first key (`start-after`) and stops past its end.
public struct S3Store: ProfileStore {
    public let client: S3Client
    /// Key prefix inside the bucket, without a trailing slash.
    public let prefix: String
    let scheme: KeyScheme

    public init(client: S3Client, prefix: String, layout: KeyLayout = .standard) {
        self.client = client
        var prefix = prefix
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        if layout == .standard { while prefix.hasSuffix("/") { prefix.removeLast() } }
        self.prefix = prefix
        self.scheme = KeyScheme(layout: layout, isObjectStore: true, prefix: prefix)
    }

    public var location: String { "s3://\(client.configuration.bucket)/\(prefix)" }

    @discardableResult
    public func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        try KeyScheme.validate(service: service)
        let key = try scheme.key(service: service, createdAt: createdAt, contentHash: hexString(SHA256.hash(profile)), kind: ProfileKind(detecting: profile))
        let etag = try await client.putObject(key: key, body: profile)
        return StoredProfile(key: key, service: service, createdAt: Date(unixMilliseconds: createdAt.unixMilliseconds), size: profile.count, etag: etag)
    }

    /// S3 lists keys in ascending order, and the standard layout's listing stops at the first key
    /// past the window: so a listing out of order is a corrupt response (a changed digit would
    /// otherwise end the window early). It is listed again, then refused.
    public func list(service: String, window: TimeWindow) async throws -> StoreListing {
        try KeyScheme.validate(service: service)
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await listOnce(service: service, window: window)
            } catch let disorder as ListingOutOfOrder {
                guard attempt < client.configuration.maxAttempts else {
                    throw S3Error(
                        operation: "LIST", resource: client.resource(scheme.listPrefix(service: service)), status: 200, code: nil,
                        message: "the listing is out of order (\(disorder.key) after \(disorder.previous)): a corrupt response", attempts: attempt)
                }
                try await client.backOff(after: attempt)
            }
        }
    }

    private struct ListingOutOfOrder: Error {
        var previous: String
        var key: String
    }

    private func listOnce(service: String, window: TimeWindow) async throws -> StoreListing {
        let listPrefix = scheme.listPrefix(service: service)
        var listing = StoreListing(profiles: [])
        var token: String? = nil
        let startAfter = scheme.startAfter(service: service, from: window.from)
        var previous = startAfter ?? ""
        pages: repeat {
            let page = try await client.listObjects(prefix: listPrefix, startAfter: startAfter, continuationToken: token)
            for object in page.objects {
                // Strictly ascending in byte order, as S3 sorts (UTF-8 binary).
                guard previous.utf8.lexicographicallyPrecedes(object.key.utf8) else {
                    throw ListingOutOfOrder(previous: previous, key: object.key)
                }
                previous = object.key
                switch scheme.parse(key: object.key, service: service) {
                case .notAProfile(let reason):
                    listing.skipped.append(SkippedEntry(key: object.key, reason: reason))
                case .otherService:
                    continue
                case .profile(let millis):
                    if window.contains(milliseconds: millis) {
                        listing.profiles.append(StoredProfile(
                            key: object.key, service: service, createdAt: Date(unixMilliseconds: millis),
                            size: object.size, etag: object.etag))
                    } else if scheme.keysSortByTime && millis > window.to.unixMilliseconds {
                        break pages
                    }
                }
            }
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        listing.profiles.sort { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }
        return listing
    }

    /// The object's bytes, checked against what the listing promised (`StoredProfile.mismatch`);
    /// a body that does not match is downloaded once more, then refused naming the object.
    public func get(_ object: StoredProfile) async throws -> [UInt8] { try await getWithDigest(object).bytes }

    public func getWithDigest(_ object: StoredProfile) async throws -> DownloadedProfile {
        var problem = ""
        for _ in 0..<2 {
            let download = DownloadedProfile(bytes: try await client.getObject(key: object.key).body)
            guard let mismatch = object.mismatch(download) else { return download }
            problem = mismatch
        }
        throw StoreError("\(client.resource(object.key)): the downloaded bytes are not the object's, twice: \(problem)")
    }

    public func delete(_ object: StoredProfile) async throws {
        try await client.deleteObject(key: object.key)
    }

    /// The "folders" under the prefix, less the symbol and rollup areas (standard layout only).
    public func services() async throws -> [String] {
        guard scheme.layout == .standard else { return [] }
        let base = prefix.isEmpty ? "" : prefix + "/"
        return try await client.listCommonPrefixes(prefix: base).map { String($0.dropFirst(base.count).dropLast()) }
            .filter { !$0.isEmpty && $0 != SymbolKey.area && $0 != RollupKey.area }.sorted()
    }
}
