import Foundation
import ProfileStore

/// Stands in for a store that could not be opened (no credentials, a bad URL), so that a fetch
/// that fails open does so through its one path: every call fails with the reason.
public struct UnavailableStore: ProfileStore {
    public var location: String
    public var reason: String
    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }
    public func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile { throw StoreError(reason) }
    public func list(service: String, window: TimeWindow) async throws -> StoreListing { throw StoreError(reason) }
    public func get(_ object: StoredProfile) async throws -> [UInt8] { throw StoreError(reason) }
    public func delete(_ object: StoredProfile) async throws { throw StoreError(reason) }
}

extension UnavailableStore: SymbolStore {
    public func symbolFile(buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile? { throw StoreError(reason) }
    public func uploadSymbolFile(from path: String, buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile { throw StoreError(reason) }
    public func downloadSymbolFile(_ file: StoredSymbolFile, to path: String) async throws { throw StoreError(reason) }
    public func listSymbolFiles() async throws -> [StoredSymbolFile] { throw StoreError(reason) }
    public func deleteSymbolFile(_ file: StoredSymbolFile) async throws { throw StoreError(reason) }
}

extension UnavailableStore: RollupStore {
    public var rollupKeyPrefix: String { "" }
    public var keyLayout: KeyLayout { .standard }
    public func listRollupObjects(service: String) async throws -> [StoredProfile] { throw StoreError(reason) }
    public func writeRollupObject(_ bytes: [UInt8], key: String) async throws { throw StoreError(reason) }
    public func readRollupObject(key: String) async throws -> [UInt8] { throw StoreError(reason) }
    public func deleteRollupObject(key: String) async throws { throw StoreError(reason) }
}
