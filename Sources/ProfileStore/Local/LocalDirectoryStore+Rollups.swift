import Pprof
import Foundation
import PGOSystem

/// The rollup area of a local store: `ROOT/rollups/SERVICE/PERIOD/...` (see `RollupStore`).
extension LocalDirectoryStore: RollupStore {
    public var rollupKeyPrefix: String { "" }
    public var keyLayout: KeyLayout { scheme.layout }

    public func listRollupObjects(service: String) async throws -> [StoredProfile] {
        try KeyScheme.validate(service: service)
        let area = RollupKey.servicePrefix(prefix: rollupKeyPrefix, service: service)
        guard FileInfo.isDirectory(try checkedPath(String(area.dropLast()))) else { return [] }
        var objects: [StoredProfile] = []
        for period in try FileInfo.contents(ofDirectory: root + "/" + area).sorted() where !period.hasPrefix(".") {
            let directoryKey = area + period
            guard FileInfo.isDirectory(try checkedPath(directoryKey)) else { continue }
            for name in try FileInfo.contents(ofDirectory: root + "/" + directoryKey).sorted() where !name.hasPrefix(".") {
                let key = directoryKey + "/" + name
                var info = stat()
                guard lstat(try checkedPath(key), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
                let start = RollupKey.parse(key, prefix: "", service: service)?.start ?? 0
                objects.append(StoredProfile(
                    key: key, service: service, createdAt: Date(unixMilliseconds: start), size: Int(info.st_size), etag: "\(info.st_size)-\(mtime)"))
            }
        }
        return objects
    }

    public func writeRollupObject(_ bytes: [UInt8], key: String) async throws {
        let target = try checkedPath(key)
        do {
            try AtomicFile.createDirectory((target as NSString).deletingLastPathComponent)
            try AtomicFile.write(bytes, to: target)
        } catch {
            throw StoreError("\(location): cannot write \(key): \(error)")
        }
    }

    public func readRollupObject(key: String) async throws -> [UInt8] {
        do { return try BoundedFile.read(try checkedPath(key)) } catch let error as InputError {
            throw StoreError("\(location): \(key): \(error.problem)")
        }
    }

    public func deleteRollupObject(key: String) async throws {
        guard unlink(try checkedPath(key)) == 0 || errno == ENOENT else {
            throw StoreError("\(location): cannot delete \(key): \(String(cString: strerror(errno)))")
        }
    }
}
