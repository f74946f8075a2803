import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import ProfileStore

/// The local store stays inside its directory and leaves nothing behind unreported (issue 11).
@Suite struct LocalStoreBoundaryTests {
    let t0 = Date(unixMilliseconds: 1_700_000_000_000)

    @Test func aSymlinkedServiceDirectoryIsNeitherReadNorWrittenNorDeletedThrough() async throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try AtomicFile.createDirectory(base + "/store")
        try AtomicFile.createDirectory(base + "/outside/svcdir")
        // A file pgo never wrote, named like a profile, outside the store.
        let victim = base + "/outside/svcdir/1700000000000-" + String(repeating: "0", count: 16) + ".pb.gz"
        try AtomicFile.write(syntheticProfile(1), to: victim)
        try FileManager.default.createSymbolicLink(atPath: base + "/store/linked", withDestinationPath: "../outside/svcdir")
        let store = LocalDirectoryStore(root: base + "/store")

        let listError = await #expect(throws: StoreError.self) { _ = try await store.list(service: "linked", window: .all) }
        #expect(listError?.description.contains("linked is a symbolic link") == true, "\(String(describing: listError))")
        await #expect(throws: StoreError.self) { _ = try await store.save(syntheticProfile(2), service: "linked", createdAt: t0) }
        let object = StoredProfile(key: "linked/" + (victim as NSString).lastPathComponent, service: "linked", createdAt: t0, size: 0)
        await #expect(throws: StoreError.self) { try await store.delete(object) }
        await #expect(throws: StoreError.self) { _ = try await store.get(object) }
        #expect(FileManager.default.fileExists(atPath: victim), "nothing outside the store was deleted")
        #expect(try FileInfo.contents(ofDirectory: base + "/outside/svcdir").count == 1, "nothing was written outside the store")
    }

    @Test func aProfileNamedSymlinkIsReportedNotListed() async throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = LocalDirectoryStore(root: base + "/store")
        let saved = try await store.save(syntheticProfile(1), service: "api", createdAt: t0)
        try "secret\n".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
        let name = "api/1700000000001-" + String(repeating: "a", count: 16) + ".pb.gz"
        try FileManager.default.createSymbolicLink(atPath: base + "/store/" + name, withDestinationPath: base + "/secret.txt")
        let listing = try await store.list(service: "api", window: .all)
        #expect(listing.profiles.map(\.key) == [saved.key])
        #expect(listing.skipped.map(\.key) == [name])
        #expect(listing.skipped.first?.reason.contains("symbolic link") == true)
    }

    @Test func interruptedWritesAreReportedAndStaleOnesRemovedByTheNextWrite() async throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = LocalDirectoryStore(root: base)
        _ = try await store.save(syntheticProfile(1), service: "api", createdAt: t0)
        // What a writer killed before its rename leaves: one fresh, one two hours old.
        let fresh = base + "/api/.1700000000001-aaaaaaaaaaaaaaaa.pb.gz.tmp-Ab12Cd"
        let stale = base + "/api/.1700000000002-bbbbbbbbbbbbbbbb.pb.gz.tmp-Zz99Yy"
        for path in [fresh, stale] { #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3]))) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: stale)
        let listing = try await store.list(service: "api", window: .all)
        #expect(Set(listing.skipped.map(\.key)) == ["api/" + (fresh as NSString).lastPathComponent, "api/" + (stale as NSString).lastPathComponent])
        #expect(listing.skipped.allSatisfy { $0.reason.contains("interrupted write") })
        // A later process's first write to the directory removes the stale one only.
        #expect(AtomicFile.removeStaleTemporaries(in: base + "/api") == [stale])
        #expect(FileManager.default.fileExists(atPath: fresh) && !FileManager.default.fileExists(atPath: stale))
        #expect(AtomicFile.targetName(ofTemporary: ".default.pgo.tmp-AbC123") == "default.pgo")
        #expect(!AtomicFile.isTemporaryName(".hidden") && !AtomicFile.isTemporaryName("x.tmp-AbC123"))
    }

    @Test func pgolibNamesAreParsedExactlyAndSiblingServicesAreNotWarnedAbout() async throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        for name in ["api-1700000000000.pprof", "api-canary-1700000000001.pprof", "api-canary-1700000000002.pprof", "api-notes.txt"] {
            try AtomicFile.write(syntheticProfile(name.count), to: base + "/" + name)
        }
        let store = LocalDirectoryStore(root: base, layout: .pgolib)
        let api = try await store.list(service: "api", window: .all)
        #expect(api.profiles.map(\.key) == ["api-1700000000000.pprof"])
        #expect(api.skipped.map(\.key) == ["api-notes.txt"], "the canary's profiles are another service's, not problems")
        let canary = try await store.list(service: "api-canary", window: .all)
        #expect(canary.profiles.map(\.key) == ["api-canary-1700000000001.pprof", "api-canary-1700000000002.pprof"])
    }

    @Test func aServiceNameThatWouldBeHiddenIsRefused() async throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let error = await #expect(throws: StoreError.self) {
            _ = try await LocalDirectoryStore(root: base).save(syntheticProfile(1), service: ".x", createdAt: t0)
        }
        #expect(error?.description.contains("not start with '.'") == true)
    }
}
