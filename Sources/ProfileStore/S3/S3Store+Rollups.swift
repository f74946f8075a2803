import Foundation

/// The rollup area of an S3 store: `[PREFIX/]rollups/SERVICE/PERIOD/...` (see `RollupStore`).
extension S3Store: RollupStore {
    public var rollupKeyPrefix: String { prefix }
    public var keyLayout: KeyLayout { scheme.layout }

    public func listRollupObjects(service: String) async throws -> [StoredProfile] {
        try KeyScheme.validate(service: service)
        let area = RollupKey.servicePrefix(prefix: prefix, service: service)
        var objects: [StoredProfile] = []
        var token: String? = nil
        repeat {
            let page = try await client.listObjects(prefix: area, startAfter: nil, continuationToken: token)
            for object in page.objects {
                let start = RollupKey.parse(object.key, prefix: prefix, service: service)?.start ?? 0
                objects.append(StoredProfile(key: object.key, service: service, createdAt: Date(unixMilliseconds: start), size: object.size, etag: object.etag))
            }
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return objects
    }

    public func writeRollupObject(_ bytes: [UInt8], key: String) async throws {
        try await client.putObject(key: key, body: bytes)
    }

    public func readRollupObject(key: String) async throws -> [UInt8] {
        try await client.getObject(key: key).body
    }

    public func deleteRollupObject(key: String) async throws {
        try await client.deleteObject(key: key)
    }
}
