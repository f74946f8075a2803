import Foundation
import PGOSystem

/// The symbol area of an S3 store: `[PREFIX/]buildid/<id>/<kind>` in the bucket. Files above
/// `multipartThreshold` go up as a multipart upload, one signed part at a time; downloads come
/// down in ranged pieces. Neither holds more than a piece in memory.
extension S3Store: SymbolStore {
    /// Above this size a file is uploaded in parts (S3 takes at most 5 GB in one PUT, and a
    /// failed part is retried alone).
    public static let multipartThreshold = 64 << 20
    /// Each part but the last; S3's minimum is 5 MiB.
    public static let partSize = 8 << 20
    /// Parts in flight at once: each is read only when a slot is free, so memory holds at most
    /// this many parts.
    public static let partsInFlight = 4

    public func symbolFile(buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile? {
        let key = SymbolKey.key(prefix: prefix, buildID: try SymbolKey.validate(buildID), kind: kind)
        guard let head = try await client.headObject(key: key) else { return nil }
        return StoredSymbolFile(buildID: buildID, kind: kind, key: key, size: head.size, modified: head.lastModified)
    }

    @discardableResult
    public func uploadSymbolFile(from path: String, buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile {
        try await uploadSymbolFile(from: path, buildID: buildID, kind: kind, threshold: Self.multipartThreshold, partSize: Self.partSize)
    }

    /// `uploadSymbolFile` with the sizes given (tests use small ones).
    @discardableResult
    public func uploadSymbolFile(
        from path: String, buildID: String, kind: SymbolFileKind, threshold: Int, partSize: Int
    ) async throws -> StoredSymbolFile {
        let key = SymbolKey.key(prefix: prefix, buildID: try SymbolKey.validate(buildID), kind: kind)
        let file = try ChunkedFile(path: path)
        if file.size <= threshold {
            try await client.putObject(key: key, body: try file.read(at: 0, count: file.size))
        } else {
            let uploadID = try await client.createMultipartUpload(key: key)
            do {
                let etags = try await uploadParts(of: file, key: key, uploadID: uploadID, partSize: max(partSize, 5 << 20))
                try await client.completeMultipartUpload(key: key, uploadID: uploadID, etags: etags)
            } catch {
                await client.abortMultipartUpload(key: key, uploadID: uploadID)
                throw error
            }
        }
        guard let stored = try await symbolFile(buildID: buildID, kind: kind), stored.size == file.size else {
            throw StoreError("\(client.resource(key)): after the upload the object is not the file's \(file.size) bytes")
        }
        return stored
    }

    public func downloadSymbolFile(_ file: StoredSymbolFile, to path: String) async throws {
        let pieceSize = Self.partSize
        try await AtomicFile.write(to: path) { append in
            var offset = 0
            while offset < file.size {
                let end = min(offset + pieceSize, file.size)
                try append(try await client.getObject(key: file.key, range: offset..<end))
                offset = end
            }
        }
    }

    /// Uploads the file's parts, `partsInFlight` at a time, each read from disk when its upload
    /// starts; returns their ETags in part order.
    private func uploadParts(of file: ChunkedFile, key: String, uploadID: String, partSize: Int) async throws -> [String] {
        let count = max(1, (file.size + partSize - 1) / partSize)
        let client = self.client
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var etags = [String](repeating: "", count: count)
            var next = 0
            func start() throws {
                let number = next + 1
                let part = try file.read(at: next * partSize, count: partSize)
                group.addTask { (number, try await client.uploadPart(key: key, uploadID: uploadID, number: number, body: part)) }
                next += 1
            }
            while next < min(Self.partsInFlight, count) { try start() }
            while let (number, etag) = try await group.next() {
                etags[number - 1] = etag
                if next < count { try start() }
            }
            return etags
        }
    }

    public func listSymbolFiles() async throws -> [StoredSymbolFile] {
        let areaPrefix = SymbolKey.areaPrefix(prefix)
        var files: [StoredSymbolFile] = []
        var token: String? = nil
        repeat {
            let page = try await client.listObjects(prefix: areaPrefix, startAfter: nil, continuationToken: token)
            for object in page.objects {
                guard let (buildID, kind) = SymbolKey.parse(object.key, prefix: prefix) else { continue }
                files.append(StoredSymbolFile(buildID: buildID, kind: kind, key: object.key, size: object.size, modified: object.lastModified))
            }
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return files.sorted { ($0.buildID, $0.kind.rawValue) < ($1.buildID, $1.kind.rawValue) }
    }

    public func deleteSymbolFile(_ file: StoredSymbolFile) async throws {
        try await client.deleteObject(key: file.key)
    }
}
