import BinaryFormats
import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import ProfileStore

/// Every download is checked against what the store promised (issue 11: `get -d` saved corrupted
/// bodies, `fetch --strict` accepted bytes whose SHA-256 did not match their key).
@Suite struct DownloadCheckTests {
    @Test func md5MatchesRFC1321() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"), ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"), ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, digest) in vectors { #expect(hexString(MD5.hash(Array(text.utf8))) == digest, "\(text)") }
    }

    @Test func whatTheStorePromisedIsChecked() {
        let bytes = Array("a profile".utf8)
        let hash = String(hexString(SHA256.hash(bytes)).prefix(16))
        let md5 = "\"" + hexString(MD5.hash(bytes)) + "\""
        let good = StoredProfile(key: "p/api/1700000000000-\(hash).pb.gz", service: "api", createdAt: Date(), size: bytes.count, etag: md5)
        #expect(good.mismatch(bytes) == nil)
        let other = Array("a profilf".utf8)
        #expect(good.mismatch(other)?.contains("the key promises \(hash)") == true)
        #expect(good.mismatch(bytes + [0])?.contains("but the listing gave \(bytes.count)") == true)
        var wrongTag = good
        wrongTag.etag = "\"0123456789abcdef0123456789abcdef\""
        #expect(wrongTag.mismatch(bytes)?.contains("but the ETag is 0123456789abcdef0123456789abcdef") == true)
        // Multipart ETags, local ETags and pgolib keys promise less, and only that is checked.
        var multipart = good
        multipart.etag = "\"0123456789abcdef0123456789abcdef-2\""
        #expect(multipart.mismatch(bytes) == nil)
        let pgolib = StoredProfile(key: "api-1700000000000.pprof", service: "api", createdAt: Date(), size: other.count, etag: "9-123")
        #expect(pgolib.mismatch(other) == nil)
    }

    @Test func aLocalFileThatIsNotItsKeysProfileIsRefused() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root)
        let saved = try await store.save(syntheticProfile(1), service: "api", createdAt: Date(unixMilliseconds: 1_700_000_000_000))
        // Same size, other bytes: only the key's hash can tell.
        var bytes = try BoundedFile.read(root + "/" + saved.key)
        bytes[bytes.count - 1] ^= 0xff
        try AtomicFile.write(bytes, to: root + "/" + saved.key)
        let listed = try #require(try await store.list(service: "api", window: .all).profiles.first)
        let error = await #expect(throws: StoreError.self) { _ = try await store.get(listed) }
        #expect(error?.description.contains(saved.key) == true && error?.description.contains("SHA-256 begins") == true, "\(String(describing: error))")
    }
}

/// Listings and bodies a server damaged, against the stand-in server of S3ClientRetryTests.
@Suite(.enabled(if: Peer.python.shouldRun, Peer.python.skipComment)) struct DamagedResponseTests {
    @Test func aCorruptBodyIsDownloadedAgainThenRefusedNamingTheObject() async throws {
        let server = try S3ClientRetryTests.StubServer(mode: "corrupt")
        let store = S3Store(client: server.client(), prefix: "p")
        let object = try #require(try await store.list(service: "api", window: .all).profiles.first)
        let error = await #expect(throws: StoreError.self) { _ = try await store.get(object) }
        #expect(error?.description.contains("s3://b/p/api/1700000000000-0123456789abcdef.pb.gz") == true, "\(String(describing: error))")
        #expect(error?.description.contains("twice") == true)
        #expect(try await server.requestCount() == 3, "one listing, two downloads")
    }

    @Test func aListingOutOfOrderIsListedAgainThenRefused() async throws {
        let server = try S3ClientRetryTests.StubServer(mode: "disorder")
        let store = S3Store(client: server.client(attempts: 3), prefix: "p")
        let error = await #expect(throws: S3Error.self) { _ = try await store.list(service: "api", window: .all) }
        #expect(error?.description.contains("out of order") == true, "\(String(describing: error))")
        #expect(try await server.requestCount() == 3)
    }

    @Test func anUnreadableListingIsRetriedLikeAServerError() async throws {
        let server = try S3ClientRetryTests.StubServer(mode: "badxml:2")
        let store = S3Store(client: server.client(attempts: 4), prefix: "p")
        #expect(try await store.list(service: "api", window: .all).profiles.isEmpty)
        #expect(try await server.requestCount() == 3)
        let always = try S3ClientRetryTests.StubServer(mode: "badxml:100")
        let error = await #expect(throws: S3Error.self) { _ = try await S3Store(client: always.client(attempts: 2), prefix: "p").list(service: "api", window: .all) }
        #expect(error?.description.contains("unreadable listing") == true, "\(String(describing: error))")
    }
}
