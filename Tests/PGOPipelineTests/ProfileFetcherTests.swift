import Foundation
import Testing
import Pprof
import ProfileStore
import BinaryFormats
@testable import PGOPipeline
import PGOSystem
import TestSupport

let fixtures = Fixtures.root

/// Counts downloads, to prove the cache works.
final class CountingStore: ProfileStore, Sendable {
    let base: LocalDirectoryStore
    private let gets = Locked(0)
    private let inFlight = Locked((now: 0, most: 0))
    init(_ base: LocalDirectoryStore) { self.base = base }
    var downloads: Int { gets.value }
    /// The most downloads that were under way at once.
    var mostInFlight: Int { inFlight.value.most }
    var location: String { base.location }
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        try await base.save(profile, service: service, createdAt: createdAt)
    }
    func list(service: String, window: TimeWindow) async throws -> StoreListing { try await base.list(service: service, window: window) }
    func get(_ object: StoredProfile) async throws -> [UInt8] {
        gets.withLock { $0 += 1 }
        inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        defer { inFlight.withLock { $0.now -= 1 } }
        return try await base.get(object)
    }
    func delete(_ object: StoredProfile) async throws { try await base.delete(object) }
}

final class Events: Sendable {
    private let items = Locked<[String]>([])
    var diagnostics: Diagnostics {
        Diagnostics { diagnostic in if case .warning(let text) = diagnostic { self.items.withLock { $0.append(text) } } }
    }
    var warnings: [String] { items.value }
}

/// The toolchain of the test process's environment.
let toolchain = Toolchain.locate(environment: ProcessInfo.processInfo.environment)

@Suite struct ProfileFetcherTests {
    /// A store holding the real small profiles, one minute apart.
    func filledStore(_ root: String) async throws -> LocalDirectoryStore {
        let store = LocalDirectoryStore(root: root + "/store")
        try FileManager.default.createDirectory(atPath: root + "/store", withIntermediateDirectories: true)
        let t0 = Date(unixMilliseconds: 1_732_000_000_000)
        for (i, name) in ["small-1", "small-2", "small-3", "small-4"].enumerated() {
            let bytes = try BoundedFile.read(fixtures + "/profiles/\(name).pb.gz")
            try await store.save(bytes, service: "api", createdAt: t0.addingTimeInterval(Double(i) * 60))
        }
        return store
    }

    func options(_ root: String) -> FetchOptions {
        var options = FetchOptions(store: "", service: "api", window: .all, windowDescription: "all")
        options.goOutput = root + "/default.pgo"
        options.flagsDirectory = root + "/flags"
        options.cacheDirectory = root + "/cache"
        return options
    }

    /// A window far larger than the downloads in flight streams through: never more than
    /// `concurrency` objects are fetched at once, and the output is the merge of every file.
    @Test func aLargeWindowStreamsAndGivesTheMergeOfItsFiles() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = LocalDirectoryStore(root: root + "/store")
        let t0 = Date(unixMilliseconds: 1_732_000_000_000)
        var paths: [String] = []
        for i in 0..<120 {
            let bytes = try BoundedFile.read(fixtures + "/profiles/\(["small-1", "small-2", "small-3", "small-4", "large"][i % 5]).pb.gz")
            let stored = try await base.save(bytes, service: "api", createdAt: t0.addingTimeInterval(Double(i)))
            paths.append(root + "/store/" + stored.key)
        }
        let store = CountingStore(base)
        var options = options(root)
        options.cacheDirectory = nil
        options.concurrency = 4
        let outcome = try await ProfileFetcher(options: options, store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: .ignored).run()
        #expect(outcome.failure == nil)
        #expect(store.downloads == 120 && store.mostInFlight <= 4, "\(store.mostInFlight) in flight")
        #expect(outcome.manifest.objects.count == 120 && outcome.manifest.summary.objects == 120)
        #expect(outcome.manifest.objects.map(\.time) == outcome.manifest.objects.map(\.time).sorted())
        let merged = try mergeProfiles(paths.map { ProfileSource.file($0) }, workers: 2).profile.trimmedForGoPGO().serialized()
        #expect(try BoundedFile.read(root + "/default.pgo") == merged)
        // The manifest is JSON with its summary first.
        let json = String(decoding: try BoundedFile.read(root + "/flags/manifest.json"), as: UTF8.self)
        #expect(json.hasPrefix("{\n  \"summary\" : {"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((parsed["objects"] as? [Any])?.count == 120 && (parsed["summary"] as? [String: Any])?["objects"] as? Int == 120)
    }

    /// cpu:N streams the window once for the totals, then merges the N with the most CPU; the
    /// second pass is not counted as downloads again.
    @Test func cpuSelectionMergesTheProfilesWithTheMostCPU() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = LocalDirectoryStore(root: root + "/store")
        let t0 = Date(unixMilliseconds: 1_732_000_000_000)
        for (i, name) in ["small-1", "large", "small-2", "small-3", "small-4"].enumerated() {
            try await base.save(try BoundedFile.read(fixtures + "/profiles/\(name).pb.gz"), service: "api", createdAt: t0.addingTimeInterval(Double(i)))
        }
        let objects = try await base.list(service: "api", window: .all).profiles
        var totals: [String: Int64] = [:]
        for object in objects { totals[object.key] = cpuTotal(try Profile(serialized: try await base.get(object))) }
        let expected = objects.sorted { (totals[$0.key]!, $0.createdAt) > (totals[$1.key]!, $1.createdAt) }.prefix(2)
            .sorted { $0.createdAt < $1.createdAt }
        let store = CountingStore(base)
        var options = options(root)
        options.selection = .cpu(2)
        options.cacheDirectory = nil
        let outcome = try await ProfileFetcher(options: options, store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: .ignored).run()
        #expect(outcome.failure == nil)
        #expect(outcome.manifest.objects.map(\.key) == expected.map(\.key))
        #expect(outcome.manifest.downloaded == 5 && store.downloads == 7, "five for the totals, two again to merge")
        let merged = try mergeProfiles(expected.map { ProfileSource.file(root + "/store/" + $0.key) }, workers: 1).profile.trimmedForGoPGO().serialized()
        #expect(try BoundedFile.read(root + "/default.pgo") == merged)
    }

    /// newest:N takes the newest it can read: an unreadable one gives its place to the next.
    @Test func aRankedSelectionReplacesAnUnreadableObject() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await filledStore(root)
        let objects = try await store.list(service: "api", window: .all).profiles
        let newest = try #require(objects.last)
        try AtomicFile.write([0x1f, 0x8b, 0, 1, 2, 3], to: root + "/store/" + newest.key)
        var options = options(root)
        options.selection = .newest(2)
        options.cacheDirectory = nil
        let outcome = try await ProfileFetcher(options: options, store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: .ignored).run()
        #expect(outcome.failure == nil)
        #expect(outcome.manifest.objects.map(\.key) == objects.dropLast().suffix(2).map(\.key))
        #expect(outcome.manifest.skipped.count == 1 && outcome.manifest.skipped[0].hasPrefix(newest.key), "\(outcome.manifest.skipped)")
    }

    @Test func fetchWritesProfileFlagsAndManifestAndSecondRunDownloadsNothing() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = CountingStore(try await filledStore(root))
        let events = Events()
        let first = try await ProfileFetcher(options: options(root), store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: events.diagnostics).run()
        #expect(first.failure == nil)
        #expect(store.downloads == 4)
        let profile = try ProfileFile.read(root + "/default.pgo")
        #expect(profile.sampleTypes.count == 1 && !profile.samples.isEmpty)
        #expect(try String(contentsOfFile: root + "/flags/go.flags", encoding: .utf8) == "-pgo=\(root)/default.pgo\n")
        let manifest = try JSONDecoder().decode(FetchManifest.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/flags/manifest.json")))
        #expect(manifest.status == "ok" && manifest.objects.count == 4 && manifest.downloaded == 4)
        #expect(manifest.outputs.first?.sha256 == hexString(SHA256.hash(try BoundedFile.read(root + "/default.pgo"))))
        #expect(manifest.sampleTotals.map(\.type) == ["samples/count", "cpu/nanoseconds"])

        var again = options(root)
        again.goOutput = root + "/again.pgo"
        let second = try await ProfileFetcher(options: again, store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: events.diagnostics).run()
        #expect(store.downloads == 4)  // nothing downloaded the second time
        #expect(second.manifest.fromCache == 4)
        #expect(try BoundedFile.read(root + "/again.pgo") == (try BoundedFile.read(root + "/default.pgo")))
        #expect(events.warnings.isEmpty)
    }

    @Test func emptyOrMissingStoreFailsOpenWithNoPGOFlags() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "previous".write(toFile: root + "/default.pgo", atomically: true, encoding: .utf8)
        let events = Events()
        let outcome = try await ProfileFetcher(
            options: options(root), store: LocalDirectoryStore(root: root + "/missing"), symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: events.diagnostics
        ).run()
        #expect(outcome.failure == "file://\(root)/missing: no such directory")
        #expect(events.warnings == ["building without PGO: file://\(root)/missing: no such directory"])
        #expect(try String(contentsOfFile: root + "/flags/go.flags", encoding: .utf8) == "\n")
        let toolset = try String(contentsOfFile: root + "/flags/swiftpm-toolset.json", encoding: .utf8)
        #expect(!toolset.contains("profile"))
        let manifest = try JSONDecoder().decode(FetchManifest.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/flags/manifest.json")))
        #expect(manifest.status == "failed" && manifest.reason?.contains("no such directory") == true)
        #expect(try String(contentsOfFile: root + "/default.pgo", encoding: .utf8) == "previous")  // never clobbered

        var strict = options(root)
        strict.strict = true
        await #expect(throws: FetchError.self) {
            _ = try await ProfileFetcher(options: strict, store: LocalDirectoryStore(root: root + "/missing"), symbolStore: nil, rollupStore: nil, toolVersion: "t", toolchain: toolchain, diagnostics: .ignored).run()
        }
    }

    @Test func invalidObjectsAreSkippedByNameOrFatalWhenStrict() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await filledStore(root)
        let bad = try await store.save(Array("not a profile".utf8), service: "api", createdAt: Date(unixMilliseconds: 1_732_000_600_000))
        let events = Events()
        let outcome = try await ProfileFetcher(options: options(root), store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: events.diagnostics).run()
        #expect(outcome.failure == nil)
        #expect(outcome.manifest.objects.count == 4)
        #expect(events.warnings.count == 1 && events.warnings[0].hasPrefix("skipping \(bad.key): "))
        var strict = options(root)
        strict.strict = true
        strict.cacheDirectory = nil
        let error = await #expect(throws: FetchError.self) {
            _ = try await ProfileFetcher(options: strict, store: store, symbolStore: nil, rollupStore: nil, toolVersion: "t", toolchain: toolchain, diagnostics: .ignored).run()
        }
        #expect(error?.description.hasPrefix(bad.key) == true)
    }

    @Test func llvmOutputIsAValidatedSampleProfileWithFlags() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await filledStore(root)
        var llvm = options(root)
        llvm.goOutput = nil
        llvm.llvmOutput = root + "/app.prof"
        let outcome = try await ProfileFetcher(options: llvm, store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: .ignored).run()
        #expect(outcome.failure == nil)
        #expect(outcome.flags.swiftc == ["-profile-sample-use=\(root)/app.prof", "-Xfrontend", "-disable-incremental-llvm-codegen"])
        let text = try String(contentsOfFile: root + "/app.prof", encoding: .utf8)
        #expect(text.contains("main.hashBlock:"))
        #expect(try String(contentsOfFile: root + "/flags/clang.flags", encoding: .utf8) == "-fprofile-sample-use=\(root)/app.prof\n")
        #expect(outcome.manifest.outputs.map(\.kind) == ["llvm-sample"])
    }

    /// A cache entry that went bad is dropped and downloaded again, never merged (issue 11: one
    /// corrupt body poisoned four later fetches).
    @Test func aCorruptCacheEntryIsDownloadedAgain() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = CountingStore(try await filledStore(root))
        let first = try await ProfileFetcher(options: options(root), store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: .ignored).run()
        #expect(store.downloads == 4 && first.failure == nil)
        let output = try BoundedFile.read(root + "/default.pgo")
        // Damage one cache entry, keeping its size.
        let cache = root + "/cache"
        let entry = try #require(try FileInfo.contents(ofDirectory: cache).sorted().first)
        var bytes = try BoundedFile.read(cache + "/" + entry)
        bytes[bytes.count / 2] ^= 0x5a
        try AtomicFile.write(bytes, to: cache + "/" + entry)
        let again = try await ProfileFetcher(options: options(root), store: store, symbolStore: nil, rollupStore: nil, toolVersion: "test", toolchain: toolchain, diagnostics: .ignored).run()
        #expect(again.failure == nil)
        #expect(store.downloads == 5, "the damaged entry, and only it, is downloaded again")
        #expect(try BoundedFile.read(root + "/default.pgo") == output)
        #expect(try BoundedFile.read(cache + "/" + entry) != bytes, "the entry is replaced by the checked download")
    }

    /// A store that never answers cannot hold a build: past `--deadline` the fetch fails open, or
    /// with `--strict` fails, and no output is touched (issue 11).
    @Test func aFetchThatOverrunsItsDeadlineFailsOpenOrStrictly() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = try await filledStore(root)
        try AtomicFile.write(Array("the previous build's profile".utf8), to: root + "/default.pgo")
        for hangs in [HangingStore.Call.list, .get] {
            var options = options(root)
            options.deadline = 0.5
            options.cacheDirectory = nil
            let outcome = try await ProfileFetcher(
                options: options, store: HangingStore(base: base, hangs: hangs), symbolStore: nil, rollupStore: nil, toolVersion: "t", toolchain: toolchain, diagnostics: .ignored
            ).run()
            #expect(outcome.failure?.contains("did not finish within 0.5s (--deadline)") == true, "\(hangs): \(String(describing: outcome.failure))")
            #expect(outcome.flags.go.isEmpty && outcome.manifest.status == "failed")
            #expect(try String(contentsOfFile: root + "/default.pgo", encoding: .utf8) == "the previous build's profile")
            options.strict = true
            let error = await #expect(throws: FetchError.self) {
                _ = try await ProfileFetcher(options: options, store: HangingStore(base: base, hangs: hangs), symbolStore: nil, rollupStore: nil, toolVersion: "t", toolchain: toolchain, diagnostics: .ignored).run()
            }
            #expect(error?.description.contains("--deadline") == true)
        }
    }

    @Test func configurationFileRejectsUnknownKeys() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #"{"store": "s3://b/p", "service": "api", "since": "7d", "go": "default.pgo", "strict": true, "timeout": 10}"#
            .write(toFile: root + "/.pgo.json", atomically: true, encoding: .utf8)
        let options = try FetchConfiguration.parse(try BoundedFile.read(root + "/.pgo.json"), path: root + "/.pgo.json")
        #expect(options == ["--store": "s3://b/p", "--service": "api", "--since": "7d", "--go": "default.pgo", "--strict": "", "--timeout": "10"])
        try #"{"store": "s3://b/p", "servce": "api"}"#.write(toFile: root + "/bad.json", atomically: true, encoding: .utf8)
        let error = #expect(throws: FetchConfigurationError.self) { try FetchConfiguration.parse(try BoundedFile.read(root + "/bad.json"), path: root + "/bad.json") }
        #expect(error?.description.contains("unknown key 'servce'") == true)
    }

    @Test func flagsFilesCarryEveryProfileKind() {
        let flags = CompilerFlags(goProfile: "/p/default.pgo", llvmSampleProfile: "/p/app.prof")
        let files = Dictionary(uniqueKeysWithValues: flags.files().map { ($0.name, $0.contents) })
        #expect(files["go.flags"] == "-pgo=/p/default.pgo\n")
        #expect(files["swiftc-args.txt"] == "-Xswiftc -profile-sample-use=/p/app.prof -Xswiftc -Xfrontend -Xswiftc -disable-incremental-llvm-codegen\n")
        #expect(files["clang.flags"] == "-fprofile-sample-use=/p/app.prof\n")
        #expect(files["swiftpm-toolset.json"]?.contains("\"-profile-sample-use=/p/app.prof\"") == true)
        #expect(files["pgo.env"]?.contains("export PGO_GO_FLAGS='-pgo=/p/default.pgo'") == true)
        #expect(CompilerFlags(llvmInstrumentedProfile: "/p/x.profdata").swiftc == ["-profile-use=/p/x.profdata", "-Xfrontend", "-disable-incremental-llvm-codegen"])
        #expect(flags.githubOutputs(profileCount: 3).contains("profiles=3\n"))
    }

    @Test func aWindowOnTheCommandLineReplacesTheFilesWindow() {
        let file = ["--since": "7d", "--store": "s3://b/p", "--strict": ""]
        let since = FetchConfiguration.filling(values: ["--since": ["1h"]], flags: [], from: file)
        #expect(since.values == ["--since": ["1h"], "--store": ["s3://b/p"]])
        #expect(since.flags == ["--strict"])
        let range = FetchConfiguration.filling(values: ["--from": ["0"]], flags: [], from: file)
        #expect(range.values == ["--from": ["0"], "--store": ["s3://b/p"]])
        let explicit = FetchConfiguration.filling(values: ["--store": ["/local"]], flags: [], from: file)
        #expect(explicit.values == ["--store": ["/local"], "--since": ["7d"]])
    }
}

/// A store whose `list` or `get` never answers (until cancelled).
struct HangingStore: ProfileStore {
    enum Call: Sendable { case list, get }
    let base: LocalDirectoryStore
    let hangs: Call
    var location: String { base.location }
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile { try await base.save(profile, service: service, createdAt: createdAt) }
    func list(service: String, window: TimeWindow) async throws -> StoreListing {
        if hangs == .list { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
        return try await base.list(service: service, window: window)
    }
    func get(_ object: StoredProfile) async throws -> [UInt8] {
        if hangs == .get { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
        return try await base.get(object)
    }
    func delete(_ object: StoredProfile) async throws { try await base.delete(object) }
}
