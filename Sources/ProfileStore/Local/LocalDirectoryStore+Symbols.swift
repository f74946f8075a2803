import Foundation
import PGOSystem

/// The symbol area of a local store: `ROOT/buildid/<id>/<kind>`, exactly what `debuginfod -F`
/// or any static file server can serve.
extension LocalDirectoryStore: SymbolStore {
    public func symbolFile(buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile? {
        let key = SymbolKey.key(prefix: "", buildID: try SymbolKey.validate(buildID), kind: kind)
        return try storedSymbolFile(key: key, buildID: buildID, kind: kind)
    }

    @discardableResult
    public func uploadSymbolFile(from path: String, buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile {
        let key = SymbolKey.key(prefix: "", buildID: try SymbolKey.validate(buildID), kind: kind)
        let target = try checkedPath(key)
        do {
            try AtomicFile.createDirectory((target as NSString).deletingLastPathComponent)
            try await ChunkedFile.copy(path, to: target)
        } catch {
            throw StoreError("\(location): cannot store \(key): \(error)")
        }
        guard let stored = try storedSymbolFile(key: key, buildID: buildID, kind: kind) else {
            throw StoreError("\(location): \(key) is not there after it was written")
        }
        return stored
    }

    public func downloadSymbolFile(_ file: StoredSymbolFile, to path: String) async throws {
        let source = try checkedPath(file.key)
        do { try await ChunkedFile.copy(source, to: path) } catch {
            throw StoreError("\(location): cannot copy \(file.key) to \(path): \(error)")
        }
    }

    public func listSymbolFiles() async throws -> [StoredSymbolFile] {
        let area = try checkedPath(SymbolKey.area)
        guard FileInfo.isDirectory(area) else { return [] }
        var files: [StoredSymbolFile] = []
        for buildID in try FileInfo.contents(ofDirectory: area).sorted() {
            guard (try? SymbolKey.validate(buildID)) != nil else { continue }
            for kind in SymbolFileKind.allCases {
                let key = SymbolKey.key(prefix: "", buildID: buildID, kind: kind)
                if let file = try storedSymbolFile(key: key, buildID: buildID, kind: kind) { files.append(file) }
            }
        }
        return files
    }

    public func deleteSymbolFile(_ file: StoredSymbolFile) async throws {
        let path = try checkedPath(file.key)
        guard unlink(path) == 0 || errno == ENOENT else {
            throw StoreError("\(location): cannot delete \(file.key): \(String(cString: strerror(errno)))")
        }
        rmdir((path as NSString).deletingLastPathComponent)  // the build ID's directory, once empty
    }

    /// The regular file at `key`, or nil when there is none (a link is refused by `checkedPath`).
    private func storedSymbolFile(key: String, buildID: String, kind: SymbolFileKind) throws -> StoredSymbolFile? {
        var info = stat()
        guard lstat(try checkedPath(key), &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw StoreError("\(location): \(key) is not a regular file") }
        let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        return StoredSymbolFile(buildID: buildID, kind: kind, key: key, size: Int(info.st_size), modified: modified)
    }
}
