import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import ProfileStore

/// The `buildid/` area of both stores: what is uploaded comes back byte for byte, is listed with
/// its size and time, and is deleted; S3 uploads above the threshold go up in signed parts.
@Suite struct SymbolStoreTests {
    static let buildID = "3e8baea5ca25b4bdd0a19e0989318c74a2a1d0ea"

    /// A file of `size` pseudo-random bytes (not a real ELF: the store does not look inside).
    static func makeFile(_ directory: String, size: Int, seed: UInt64 = 7) throws -> (path: String, bytes: [UInt8]) {
        var state = seed
        let bytes = (0..<size).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let path = directory + "/file-\(size)"
        try AtomicFile.write(bytes, to: path)
        return (path, bytes)
    }

    /// Upload, find, list, download, delete, on any symbol store.
    static func roundTrip(_ store: any SymbolStore, size: Int, upload: (String) async throws -> StoredSymbolFile) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (path, bytes) = try makeFile(directory, size: size)
        #expect(try await store.symbolFile(buildID: buildID, kind: .debuginfo) == nil)

        let stored = try await upload(path)
        #expect(stored.key.hasSuffix("buildid/\(buildID)/debuginfo"))
        #expect(stored.size == size)
        let found = try #require(try await store.symbolFile(buildID: buildID, kind: .debuginfo))
        #expect(found.size == size && found.key == stored.key)
        #expect(abs((found.modified ?? .distantPast).timeIntervalSinceNow) < 3600, "stored just now: \(String(describing: found.modified))")
        #expect(try await store.symbolFile(buildID: buildID, kind: .executable) == nil)
        #expect(try await store.listSymbolFiles().map(\.key) == [stored.key])

        try await store.downloadSymbolFile(found, to: directory + "/back")
        #expect(try ChunkedFile(path: directory + "/back").read(at: 0, count: size + 1) == bytes)

        try await store.deleteSymbolFile(found)
        #expect(try await store.symbolFile(buildID: buildID, kind: .debuginfo) == nil)
        #expect(try await store.listSymbolFiles().isEmpty)
    }

    @Test func localDirectory() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root)
        try await Self.roundTrip(store, size: 300_000) { path in
            try await store.uploadSymbolFile(from: path, buildID: Self.buildID, kind: .debuginfo)
        }
        // The layout is debuginfod's, under the root.
        let (path, _) = try Self.makeFile(root, size: 10)
        try await store.uploadSymbolFile(from: path, buildID: Self.buildID, kind: .executable)
        #expect(FileManager.default.fileExists(atPath: root + "/buildid/\(Self.buildID)/executable"))
        // Profiles of a service are not confused with it, and no service may take its name.
        #expect(try await store.list(service: "api", window: .all).profiles.isEmpty)
        await #expect(throws: StoreError.self) { try await store.save([1, 2], service: "buildid", createdAt: Date()) }
    }

    @Test func buildIDsAreCheckedBeforeTheyBecomeKeys() async throws {
        let store = LocalDirectoryStore(root: try temporaryDirectory())
        for bad in ["", "ABCD", "abc", "../../etc", "xyz0", String(repeating: "ab", count: 65)] {
            let error = await #expect(throws: StoreError.self) { try await store.symbolFile(buildID: bad, kind: .debuginfo) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("invalid build ID"))
        }
        #expect(SymbolKey.parse("p/buildid/\(Self.buildID)/debuginfo", prefix: "p")! == (Self.buildID, .debuginfo))
        #expect(SymbolKey.parse("p/buildid/\(Self.buildID)/other", prefix: "p") == nil)
        #expect(SymbolKey.parse("p/buildid/XY/debuginfo", prefix: "p") == nil)
    }

    @Test(.enabled(if: S3Peers.shouldRun, S3Peers.skipComment), arguments: S3TestServer.Kind.allCases)
    func s3SinglePutAndMultipart(_ kind: S3TestServer.Kind) async throws {
        let server = try await S3TestServer.shared(kind)
        let bucket = try server.makeBucket()
        let environment = ["AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey, "AWS_REGION": server.region,
                           "AWS_ENDPOINT_URL": server.endpoint.absoluteString, "HOME": "/nonexistent"]
        let store = try #require(try openStore("s3://\(bucket)/prod", options: StoreOptions(environment: environment)) as? S3Store)
        try await Self.roundTrip(store, size: 200_000) { path in
            try await store.uploadSymbolFile(from: path, buildID: Self.buildID, kind: .debuginfo)
        }
        // 12 MiB in parts of 5 MiB: three parts, each signed, assembled by the server.
        let size = 12 << 20
        try await Self.roundTrip(store, size: size) { path in
            let stored = try await store.uploadSymbolFile(from: path, buildID: Self.buildID, kind: .debuginfo, threshold: 5 << 20, partSize: 5 << 20)
            // The reference client sees one object of the whole size, made of three parts (its ETag says so).
            let head = try server.aws(["s3api", "head-object", "--bucket", bucket, "--key", stored.key])
            #expect(head.contains("\"ContentLength\": \(size)"), "\(head)")
            #expect(head.contains("-3\\\""), "a multipart ETag ends in -<parts>: \(head)")
            return stored
        }
    }
}
