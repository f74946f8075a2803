import Foundation
import TestSupport
import Testing
import Pprof
@testable import ProfileStore

@Suite struct LocalDirectoryStoreTests {
    @Test func theSeedsOperationsRoundTrip() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root)
        let t0 = Date(unixMilliseconds: 1_732_000_000_000)
        for i in 0..<5 {
            try await store.save(syntheticProfile(i), service: "api", createdAt: t0.addingTimeInterval(Double(i) * 60))
        }
        try await store.save(syntheticProfile(9), service: "worker", createdAt: t0)

        let all = try await store.list(service: "api", window: .all)
        #expect(all.profiles.count == 5 && all.skipped.isEmpty)
        #expect(all.profiles.map(\.createdAt) == (0..<5).map { t0.addingTimeInterval(Double($0) * 60) })

        let window = TimeWindow(from: t0.addingTimeInterval(60), to: t0.addingTimeInterval(180))  // both ends included
        #expect(try await store.list(service: "api", window: window).profiles.count == 3)
        let downloaded = try await store.get(service: "api", window: window)
        #expect(downloaded.map(\.1) == (1...3).map(syntheticProfile))

        #expect(try await store.get(service: "api", createdAt: t0.addingTimeInterval(120)) == syntheticProfile(2))
        try await store.delete(service: "api", createdAt: t0.addingTimeInterval(120))
        await #expect(throws: StoreError.self) { try await store.get(service: "api", createdAt: t0.addingTimeInterval(120)) }
        let deleted = try await store.delete(service: "api", window: TimeWindow(from: t0, to: t0.addingTimeInterval(60)))
        #expect(deleted.count == 2)
        #expect(try await store.list(service: "api", window: .all).profiles.count == 2)
        #expect(try await store.list(service: "worker", window: .all).profiles.count == 1)
    }

    @Test func savingTheSameProfileTwiceKeepsOneObject() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root)
        let time = Date(unixMilliseconds: 1_732_000_000_000)
        let a = try await store.save(syntheticProfile(1), service: "api", createdAt: time)
        let b = try await store.save(syntheticProfile(1), service: "api", createdAt: time)
        #expect(a.key == b.key)
        // A different profile in the same millisecond (another replica) is kept too.
        try await store.save(syntheticProfile(2), service: "api", createdAt: time)
        #expect(try await store.list(service: "api", window: .all).profiles.count == 2)
    }

    @Test func concurrentWritersLoseNothing() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root)
        let time = Date(unixMilliseconds: 1_732_000_000_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask { try await store.save(syntheticProfile(i), service: "api", createdAt: time.addingTimeInterval(Double(i % 8))) }
            }
            try await group.waitForAll()
        }
        let listing = try await store.list(service: "api", window: .all)
        #expect(listing.profiles.count == 64)
        for object in listing.profiles { _ = try Profile(serialized: try await store.get(object)) }
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/api").allSatisfy { !$0.hasPrefix(".") })
    }

    @Test func strayEntriesAreReportedNotDropped() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root)
        try await store.save(syntheticProfile(1), service: "api", createdAt: Date(unixMilliseconds: 1_732_000_000_000))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: root + "/api/README.txt"))
        try FileManager.default.createDirectory(atPath: root + "/api/1732000000001-0123456789abcdef.pb.gz", withIntermediateDirectories: true)
        let listing = try await store.list(service: "api", window: .all)
        #expect(listing.profiles.count == 1)
        #expect(listing.skipped.map(\.key).sorted() == ["api/1732000000001-0123456789abcdef.pb.gz", "api/README.txt"])
        #expect(listing.skipped.first { $0.key.hasSuffix(".gz") }?.reason == "not a regular file")
    }

    @Test func pgolibDirectoriesAreReadAndWritten() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // What pgolib's localdir backend leaves: DIR/APP-MILLIS.pprof, several apps side by side.
        let small = try fixtureBytes("small-1.pb.gz")
        try Data(small).write(to: URL(fileURLWithPath: root + "/api-1732000000000.pprof"))
        try Data(small).write(to: URL(fileURLWithPath: root + "/api-1732000060000.pprof"))
        try Data(small).write(to: URL(fileURLWithPath: root + "/billing-1732000000000.pprof"))
        let store = LocalDirectoryStore(root: root, layout: .pgolib)
        let listing = try await store.list(service: "api", window: .all)
        #expect(listing.profiles.map(\.key) == ["api-1732000000000.pprof", "api-1732000060000.pprof"])
        #expect(listing.skipped.isEmpty)
        let saved = try await store.save(small, service: "api", createdAt: Date(unixMilliseconds: 1_732_000_120_000))
        #expect(saved.key == "api-1732000120000.pprof")
        #expect(FileManager.default.fileExists(atPath: root + "/api-1732000120000.pprof"))
    }

    @Test func missingRootIsAnErrorNamingIt() async throws {
        let store = LocalDirectoryStore(root: "/nonexistent/pgo-store")
        let error = await #expect(throws: StoreError.self) { try await store.list(service: "api", window: .all) }
        #expect(error?.message == "file:///nonexistent/pgo-store: no such directory")
    }

    @Test func openStoreUnderstandsURLs() throws {
        #expect(try openStore("file:///tmp/x").location == "file:///tmp/x")
        #expect(try openStore("/tmp/y/").location == "file:///tmp/y")
        #expect(throws: StoreError.self) { try openStore("gs://bucket") }
        #expect(throws: StoreError.self) { try openStore("file://relative") }
        #expect(throws: StoreError.self) { try openStore("s3:///prefix", options: StoreOptions(environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])) }
        let s3 = try openStore("s3://bucket/some/prefix/", options: StoreOptions(
            endpoint: "http://127.0.0.1:9000", environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "HOME": "/nonexistent"]))
        #expect(s3.location == "s3://bucket/some/prefix")
        #expect((s3 as? S3Store)?.client.configuration.addressing == .path)
    }
}
