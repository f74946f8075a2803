import BinaryFormats
import Foundation
import PGOSystem
import Pprof
import ProfileStore
import TestSupport
import Testing
@testable import PGOPipeline

/// Where a compaction test's store lives: a local directory, or a fresh bucket on SeaweedFS.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case local, seaweedfs
    var testDescription: String { rawValue }
}

/// `pgo compact` and the fetches over its rollups, on real Go profiles: the equivalence with a
/// fetch of the raw profiles is the test, whatever happened to the store in between.
@Suite struct CompactionTests {
    @Test func fetchesOverRollupsEqualTheRawFetch() async throws { try await Self.fetchesOverRollupsEqualTheRawFetch(.local) }
    @Test func compactingTwiceWritesNothingNew() async throws { try await Self.compactingTwiceWritesNothingNew(.local) }
    @Test func aLateArrivalCountsOnce() async throws { try await Self.aLateArrivalCountsOnceBeforeAndAfterTheNextCompaction(.local) }
    @Test func aKilledCompactorLeavesTheSameFetch() async throws { try await Self.aCompactorKilledAtAnyPointLeavesTheSameFetch(.local) }
    @Test func twoCompactorsAtOnce() async throws { try await Self.twoCompactorsAtOnceWriteTheSameBytesAndLoseNothing(.local) }
    @Test func aCorruptedRollupFallsBackToRaw() async throws { try await Self.aCorruptedRollupIsSkippedAndItsHourFallsBackToRaw(.local) }

    /// Three hours of real profiles: every fixture (two binaries, 100 Hz and 500 Hz, so merging
    /// mixes periods) once per hour, 7 minutes apart.
    static let hour0 = Date(unixMilliseconds: 1_795_132_800_000)  // 2026-11-20T00:00:00Z
    static let names = ["small-1", "small-2", "small-3", "small-4", "large", "rate-500hz", "other-binary"]
    static let now = hour0.addingTimeInterval(86_400 * 3)

    static func makeStore(_ kind: StoreKind, _ root: String) async throws -> any FullProfileStore {
        switch kind {
        case .local:
            return LocalDirectoryStore(root: root + "/store")
        case .seaweedfs:
            let server = try await S3TestServer.shared(.seaweedfs)
            let bucket = try server.makeBucket()
            let environment = ["AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey, "AWS_REGION": server.region,
                               "AWS_ENDPOINT_URL": server.endpoint.absoluteString, "HOME": "/nonexistent"]
            return try openStore("s3://\(bucket)/prod", options: StoreOptions(environment: environment))
        }
    }

    /// Fills a store with three hours of profiles; returns the saved objects.
    @discardableResult
    static func fill(_ store: any ProfileStore, hours: Int = 3) async throws -> [StoredProfile] {
        var saved: [StoredProfile] = []
        for hour in 0..<hours {
            for (i, name) in names.enumerated() {
                let bytes = try BoundedFile.read(Fixtures.path("profiles/\(name).pb.gz"))
                saved.append(try await store.save(bytes, service: "api", createdAt: hour0.addingTimeInterval(Double(hour * 3600 + i * 420))))
            }
        }
        return saved
    }

    /// The outputs of a fetch; two are equal when their bytes are.
    struct Fetched: Equatable, CustomTestStringConvertible {
        var go: [UInt8]
        var llvm: [UInt8]
        var manifest: FetchManifest
        var warnings: [String]
        static func == (a: Self, b: Self) -> Bool { a.go == b.go && a.llvm == b.llvm }
        var testDescription: String {
            "go \(go.count) bytes \(hexString(SHA256.hash(go)).prefix(12)), llvm \(llvm.count) bytes \(hexString(SHA256.hash(llvm)).prefix(12)), \(manifest.objects.count) objects, warnings \(warnings)"
        }
    }

    /// `pgo fetch --go --llvm` of `window` (default: the three hours), without a cache.
    static func fetch(
        _ store: any FullProfileStore, window: TimeWindow = TimeWindow(from: hour0, to: hour0.addingTimeInterval(86_400 - 0.001)),
        selection: ProfileSelection = .all, llvm: Bool = true, strict: Bool = false
    ) async throws -> Fetched {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = FetchOptions(store: store.location, service: "api", window: window, windowDescription: "the test window")
        options.goOutput = root + "/default.pgo"
        if llvm { options.llvmOutput = root + "/default.prof" }
        options.selection = selection
        options.strict = strict
        let events = Events()
        let outcome = try await ProfileFetcher(
            options: options, store: store, symbolStore: nil, rollupStore: store, toolVersion: "test", toolchain: toolchain,
            diagnostics: events.diagnostics
        ).run()
        #expect(outcome.failure == nil, "\(outcome.failure ?? "")")
        let llvmBytes = llvm ? try BoundedFile.read(root + "/default.prof") : []
        return Fetched(
            go: try BoundedFile.read(root + "/default.pgo"), llvm: llvmBytes, manifest: outcome.manifest,
            warnings: events.warnings.filter { !$0.contains("Go source files") })
    }

    static func compact(
        _ store: any ProfileStore & RollupStore, period: RollupPeriod = .hour, deleteRaw: Bool = false, dryRun: Bool = false,
        events: Events = Events()
    ) async throws -> Compactor.Report {
        var options = CompactOptions(service: "api", now: now)
        options.period = period
        options.deleteRaw = deleteRaw
        options.dryRun = dryRun
        return try await Compactor(options: options, store: store, toolchain: toolchain, diagnostics: events.diagnostics).run()
    }

    /// Every object of the store, raw and rollup, with its size: what "wrote nothing" compares.
    static func contents(_ store: any FullProfileStore) async throws -> [String: Int] {
        let raw = try await store.list(service: "api", window: .all).profiles
        let rollups = try await store.listRollupObjects(service: "api")
        return Dictionary(uniqueKeysWithValues: (raw + rollups).map { ($0.key, $0.size) })
    }

    static func rollupProfiles(_ store: any FullProfileStore) async throws -> [StoredProfile] {
        try await store.listRollupObjects(service: "api").filter { !$0.key.hasSuffix(RollupKey.recordSuffix) }.sorted { $0.key < $1.key }
    }

    // MARK: - Equivalence

    /// Hourly rollups, then with the raw profiles deleted, then daily rollups built from the
    /// hourly ones: every fetch gives the raw fetch's --go and --llvm bytes.
    static func fetchesOverRollupsEqualTheRawFetch(_ kind: StoreKind) async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(kind, root)
        let saved = try await Self.fill(store)
        let raw = try await Self.fetch(store)
        #expect(raw.manifest.objects.count == 21)

        let hourly = try await Self.compact(store)
        #expect(hourly.periods.map(\.action) == [.written, .written, .written])
        #expect(hourly.periods.map(\.covers) == [7, 7, 7])
        let overHourly = try await Self.fetch(store)
        #expect(overHourly == raw)
        #expect(overHourly.manifest.objects.count == 3, "three rollups, no raw object: \(overHourly.manifest.objects.map(\.key))")
        #expect(overHourly.manifest.summary.profiles == 21 && overHourly.manifest.summary.rollups == 3)
        #expect(overHourly.manifest.sampleTotals == raw.manifest.sampleTotals)
        // The builds profiled survive the merge through the records (symbolization needs them).
        #expect(overHourly.manifest.builds == raw.manifest.builds && (raw.manifest.builds?.count ?? 0) == 2, "\(String(describing: overHourly.manifest.builds))")
        #expect(overHourly.warnings.isEmpty, "\(overHourly.warnings)")

        let deleting = try await Self.compact(store, deleteRaw: true)
        #expect(deleting.periods.map(\.action) == [.upToDate, .upToDate, .upToDate])
        #expect(Set(deleting.deletedRaw) == Set(saved.map(\.key)))
        #expect(try await store.list(service: "api", window: .all).profiles.isEmpty)
        #expect(try await Self.fetch(store) == raw)

        let daily = try await Self.compact(store, period: .day, deleteRaw: true)
        #expect(daily.periods.map(\.action) == [.written])
        #expect(daily.periods.first?.covers == 21)
        #expect(daily.deletedRollups.count == 3, "the hourly rollups the daily one holds are removed")
        let overDaily = try await Self.fetch(store)
        #expect(overDaily == raw)
        #expect(overDaily.manifest.objects.map(\.period) == ["2026-11-20T00:00:00.000Z/1d"])
        #expect(overDaily.manifest.builds == raw.manifest.builds)
        #expect(try await Self.rollupProfiles(store).count == 1)
    }

    /// Merging is associative by construction: one profile merged from hourly rollups of real
    /// profiles with two periods (100 and 500 Hz) and two binaries is the merge of all of them.
    @Test func mergingRollupsIsMergingTheirProfiles() throws {
        let profiles = try Self.names.map { try Profile(serialized: BoundedFile.read(Fixtures.path("profiles/\($0).pb.gz"))) }
        func merge(_ inputs: [Profile]) throws -> Profile {
            var merger = ProfileMerger()
            for (i, profile) in inputs.enumerated() { try merger.add(profile, source: "\(i)") }
            return merger.finish()
        }
        let whole = try merge(profiles + profiles)
        // Any split into parts, merged part by part, then the parts merged.
        for split in 1..<profiles.count {
            let parts = [try merge(Array(profiles[..<split])), try merge(Array(profiles[split...])), try merge(profiles)]
            #expect(try merge(parts).serialized() == whole.serialized(), "split at \(split)")
        }
        #expect(Set(profiles.map(\.period)).count == 2, "the fixtures mix periods")
    }

    // MARK: - Safety

    static func compactingTwiceWritesNothingNew(_ kind: StoreKind) async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(kind, root)
        try await Self.fill(store)
        let first = try await Self.compact(store)
        #expect(first.written == 6)
        let before = try await Self.contents(store)
        let second = try await Self.compact(store)
        #expect(second.written == 0 && second.deletedRaw.isEmpty && second.deletedRollups.isEmpty)
        #expect(second.periods.map(\.action) == [.upToDate, .upToDate, .upToDate])
        #expect(try await Self.contents(store) == before)
        // A dry run says what it would do, and does nothing.
        let fresh = try await Self.makeStore(kind, root + "/dry")
        try await Self.fill(fresh)
        let dry = try await Self.compact(fresh, deleteRaw: true, dryRun: true)
        #expect(dry.periods.map(\.action) == [.wouldWrite, .wouldWrite, .wouldWrite])
        #expect(try await Self.rollupProfiles(fresh).isEmpty)
        #expect(try await fresh.list(service: "api", window: .all).profiles.count == 21)
        // Hourly compaction after a daily one: the day's rollup holds every raw object already.
        _ = try await Self.compact(fresh, period: .day)
        let hourlyAfterDaily = try await Self.compact(fresh)
        #expect(hourlyAfterDaily.written == 0 && hourlyAfterDaily.periods.isEmpty)
    }

    /// A profile uploaded after its hour was compacted (and its raw profiles deleted) is merged
    /// raw beside the rollup; the next compaction folds it in and replaces the rollup.
    static func aLateArrivalCountsOnceBeforeAndAfterTheNextCompaction(_ kind: StoreKind) async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(kind, root)
        let reference = try await Self.makeStore(kind, root + "/reference")
        try await Self.fill(store)
        try await Self.fill(reference)
        _ = try await Self.compact(store, deleteRaw: true)

        let late = try BoundedFile.read(Fixtures.path("profiles/large.pb.gz"))
        let lateTime = Self.hour0.addingTimeInterval(59 * 60)
        let lateObject = try await store.save(late, service: "api", createdAt: lateTime)
        try await reference.save(late, service: "api", createdAt: lateTime)
        let expected = try await Self.fetch(reference)

        let beside = try await Self.fetch(store)
        #expect(beside == expected)
        #expect(beside.manifest.objects.map(\.key).contains(lateObject.key))
        #expect(beside.manifest.summary.profiles == 22 && beside.manifest.objects.count == 4)

        let again = try await Self.compact(store, deleteRaw: true)
        #expect(again.periods.map(\.action) == [.written, .upToDate, .upToDate])
        #expect(again.periods.first?.added == 1 && again.periods.first?.covers == 8)
        #expect(again.deletedRaw == [lateObject.key])
        #expect(again.deletedRollups.count == 1, "the hour's old rollup is superseded")
        let folded = try await Self.fetch(store)
        #expect(folded == expected)
        #expect(folded.manifest.objects.count == 3)
    }

    /// A compactor stopped after any number of its writes and deletes (every point a kill can
    /// fall between two store operations; each write is atomic) leaves a store that fetches the
    /// raw result, and the next run finishes the job.
    static func aCompactorKilledAtAnyPointLeavesTheSameFetch(_ kind: StoreKind) async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reference = try await Self.makeStore(kind, root + "/reference")
        try await Self.fill(reference)
        let expected = try await Self.fetch(reference, llvm: false)
        // An uninterrupted run with --delete-raw: 3 x (2 writes + 7 deletes).
        let counting = KillableStore(reference, mutationsAllowed: .max)
        _ = try await Self.compact(counting, deleteRaw: true)
        let total = counting.mutations
        #expect(total == 27)
        for allowed in 0..<total {
            let store = try await Self.makeStore(kind, root + "/kill-\(allowed)")
            try await Self.fill(store)
            let killed = KillableStore(store, mutationsAllowed: allowed)
            let report = try await Self.compact(killed, deleteRaw: true)
            #expect(report.periods.contains { $0.action == .failed }, "killed after \(allowed) operations")
            let afterKill = try await Self.fetch(store, llvm: false)
            #expect(afterKill == expected, "killed after \(allowed) operations: \(afterKill.warnings)")
            let resumed = try await Self.compact(store, deleteRaw: true)
            #expect(!resumed.periods.contains { $0.action == .failed })
            #expect(try await Self.fetch(store, llvm: false) == expected, "resumed after \(allowed)")
            #expect(try await store.list(service: "api", window: .all).profiles.isEmpty, "resumed after \(allowed): every raw object deleted")
            #expect(try await Self.rollupProfiles(store).count == 3)
        }
    }

    /// Two compactors at once, both deleting raw profiles: the store ends with one rollup per
    /// hour, the bytes a single compactor writes, and fetches lose nothing.
    static func twoCompactorsAtOnceWriteTheSameBytesAndLoseNothing(_ kind: StoreKind) async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let single = try await Self.makeStore(kind, root + "/single")
        try await Self.fill(single)
        let expected = try await Self.fetch(single, llvm: false)
        _ = try await Self.compact(single)
        let singleRollups = try await Self.rollupProfiles(single)

        let store = try await Self.makeStore(kind, root + "/shared")
        try await Self.fill(store)
        async let a = Self.compact(store, deleteRaw: true)
        async let b = Self.compact(store, deleteRaw: true)
        let (first, second) = try await (a, b)
        let rollups = try await Self.rollupProfiles(store)
        #expect(rollups.map(\.key).map { $0.split(separator: "/").suffix(2) } == singleRollups.map(\.key).map { $0.split(separator: "/").suffix(2) })
        for (mine, theirs) in zip(rollups, singleRollups) {
            #expect(try await store.getWithDigest(mine).bytes == single.getWithDigest(theirs).bytes)
        }
        #expect(try await Self.fetch(store, llvm: false) == expected)
        // Whatever the interleaving, every period was done by one of them, and a third run finds nothing to do.
        #expect(first.periods.count == 3 && second.periods.count == 3)
        let third = try await Self.compact(store, deleteRaw: true)
        #expect(third.written == 0 && third.periods.allSatisfy { $0.action == .upToDate })
        #expect(try await store.list(service: "api", window: .all).profiles.isEmpty)
    }

    /// A rollup whose bytes are not its record's, or whose record is damaged, is skipped with a
    /// warning naming it, and its hour comes from the raw profiles; never used silently.
    static func aCorruptedRollupIsSkippedAndItsHourFallsBackToRaw(_ kind: StoreKind) async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(kind, root)
        try await Self.fill(store)
        let raw = try await Self.fetch(store)
        _ = try await Self.compact(store)
        let rollups = try await Self.rollupProfiles(store)

        // Same size, one byte changed.
        var bytes = try await store.getWithDigest(rollups[0]).bytes
        bytes[bytes.count / 2] ^= 0xff
        try await store.writeRollupObject(bytes, key: rollups[0].key)
        // A record that is not JSON.
        try await store.writeRollupObject(Array("{not json".utf8), key: RollupKey.recordKey(ofProfile: rollups[1].key))

        let fetched = try await Self.fetch(store)
        #expect(fetched == raw)
        #expect(fetched.warnings.contains { $0.contains(rollups[0].key) && $0.contains("is not used") }, "\(fetched.warnings)")
        #expect(fetched.warnings.contains { $0.contains(RollupKey.recordKey(ofProfile: rollups[1].key)) && $0.contains("not a rollup record") }, "\(fetched.warnings)")
        #expect(fetched.manifest.summary.rollups == 1 && fetched.manifest.objects.count == 15)

        // The next compaction rebuilds both hours from their raw profiles.
        let events = Events()
        let rebuilt = try await Self.compact(store, deleteRaw: true, events: events)
        #expect(rebuilt.periods.map(\.action) == [.written, .written, .upToDate], "\(events.warnings)")
        #expect(try await Self.fetch(store) == raw)

        // With the raw profiles gone, a corrupted rollup leaves its hour out, and says so.
        let now = try await Self.rollupProfiles(store)
        var damaged = try await store.getWithDigest(now[2]).bytes
        damaged[10] ^= 0x01
        try await store.writeRollupObject(damaged, key: now[2].key)
        let without = try await Self.fetch(store)
        #expect(without != raw)
        #expect(without.manifest.summary.profiles == 14)
        #expect(without.warnings.contains { $0.contains(now[2].key) }, "\(without.warnings)")
    }

    // MARK: - Retention

    static func delete(_ store: any FullProfileStore, from: TimeInterval, to: TimeInterval, cut: Retention.CutRollups, events: Events = Events()) async throws -> Retention.Deleted {
        let window = TimeWindow(from: hour0.addingTimeInterval(from), to: hour0.addingTimeInterval(to))
        return try await Retention.delete(
            in: store, rollups: store, service: "api", window: window, cutRollups: cut, dryRun: false, diagnostics: events.diagnostics)
    }

    /// `pgo delete` of a window deletes the rollups that hold its profiles; the rest of a cut
    /// period is used raw, so fetches equal those of a store that never had the deleted profiles.
    @Test func deletingAWindowDeletesTheRollupsThatHoldItsProfiles() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(.local, root)
        let reference = try await Self.makeStore(.local, root + "/reference")
        try await Self.fill(store)
        try await Self.fill(reference)
        _ = try await Self.compact(store)

        // All of hour 1, and 00:10 to 00:20 (one profile, at 00:14) of hour 0.
        for (from, to) in [(3600.0, 7199.999), (600.0, 1200.0)] {
            let deleted = try await Self.delete(store, from: from, to: to, cut: .delete)
            _ = try await Self.delete(reference, from: from, to: to, cut: .delete)
            #expect(deleted.rollups.count == 1 && deleted.lostOutsideWindow == 0)
            #expect(try await Self.fetch(store) == Self.fetch(reference))
        }
        #expect(try await Self.rollupProfiles(store).count == 1, "hour 2's rollup stays")
        let fetched = try await Self.fetch(store)
        #expect(fetched.manifest.summary.profiles == 13 && fetched.manifest.objects.count == 7)
        // The next compaction rolls hour 0's remaining six up again.
        let again = try await Self.compact(store)
        #expect(again.periods.map(\.action) == [.written, .upToDate])
        #expect(try await Self.fetch(store) == Self.fetch(reference))

        // Once the raw objects are gone, deleting part of a period takes the rest with it, and says so.
        _ = try await Self.compact(store, deleteRaw: true)
        let events = Events()
        let cut = try await Self.delete(store, from: 7800, to: 8400, cut: .delete, events: events)  // 02:10 to 02:20
        #expect(cut.profiles.isEmpty && cut.rollups.count == 1 && cut.lostOutsideWindow == 6)
        #expect(events.warnings.contains { $0.contains("6 profiles outside the window") }, "\(events.warnings)")
    }

    /// `pgo prune` deletes rollups whose whole period is older than the cutoff, and keeps the
    /// one its cutoff cuts: retention never deletes profiles newer than asked.
    @Test func pruneKeepsTheRollupOfThePeriodItsCutoffCuts() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(.local, root)
        try await Self.fill(store)
        _ = try await Self.compact(store, deleteRaw: true)
        let pruned = try await Self.delete(store, from: -86_400, to: 5400, cut: .keep)  // older than 01:30
        #expect(pruned.rollups.map(\.record.start) == ["2026-11-20T00:00:00.000Z"])
        #expect(pruned.lostOutsideWindow == 0)
        let fetched = try await Self.fetch(store)
        #expect(fetched.manifest.summary.profiles == 14 && fetched.manifest.summary.rollups == 2)
    }

    // MARK: - Windows and selections

    /// A window that cuts an hour uses that hour's raw profiles inside it while they all exist;
    /// once they were deleted, the rollup whole, and the manifest says so.
    @Test func aWindowCuttingAPeriodUsesRawWhileItCanAndSaysWhenItCannot() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(.local, root)
        try await Self.fill(store)
        // 00:30 to the end: hour 0's last 2 profiles (00:35 and 00:42), hours 1 and 2 whole.
        let window = TimeWindow(from: Self.hour0.addingTimeInterval(1800), to: Self.hour0.addingTimeInterval(86_400 - 0.001))
        let raw = try await Self.fetch(store, window: window)
        #expect(raw.manifest.objects.count == 16)
        _ = try await Self.compact(store)
        let cut = try await Self.fetch(store, window: window)
        #expect(cut == raw)
        #expect(cut.manifest.objects.count == 4 && cut.manifest.summary.rollups == 2)

        _ = try await Self.compact(store, deleteRaw: true)
        let whole = try await Self.fetch(store, window: window)
        #expect(whole.manifest.summary.profiles == 21)
        let first = try #require(whole.manifest.objects.first)
        #expect(first.beyondWindow == true && first.period == "2026-11-20T00:00:00.000Z/1h")
        #expect(whole.warnings.contains { $0.contains("the window cuts the period of rollup") && $0.contains("used whole") }, "\(whole.warnings)")
    }

    /// `newest:N`, `largest:N` and `cpu:N` choose among raw profiles; once compaction deleted
    /// them, the fetch says how many profiles are out of their reach.
    @Test func selectionsChooseAmongRawProfilesAndSayWhatIsOnlyInRollups() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.makeStore(.local, root)
        try await Self.fill(store)
        _ = try await Self.compact(store, deleteRaw: true)
        let late = try BoundedFile.read(Fixtures.path("profiles/small-1.pb.gz"))
        let lateObject = try await store.save(late, service: "api", createdAt: Self.hour0.addingTimeInterval(3000))
        let newest = try await Self.fetch(store, selection: .newest(2), llvm: false)
        #expect(newest.manifest.objects.map(\.key) == [lateObject.key])
        #expect(newest.warnings.contains { $0.contains("--select newest:2 chooses among raw profiles: 21 profiles") }, "\(newest.warnings)")
    }
}

/// The same cases on SeaweedFS, through the S3 client.
@Suite(.enabled(if: Peer.weed.shouldRun && Peer.aws.shouldRun, S3Peers.skipComment)) struct CompactionS3Tests {
    init() throws { try S3Peers.require(.seaweedfs) }
    @Test func fetchesOverRollupsEqualTheRawFetch() async throws { try await CompactionTests.fetchesOverRollupsEqualTheRawFetch(.seaweedfs) }
    @Test func compactingTwiceWritesNothingNew() async throws { try await CompactionTests.compactingTwiceWritesNothingNew(.seaweedfs) }
    @Test func aLateArrivalCountsOnce() async throws { try await CompactionTests.aLateArrivalCountsOnceBeforeAndAfterTheNextCompaction(.seaweedfs) }
    @Test func aKilledCompactorLeavesTheSameFetch() async throws { try await CompactionTests.aCompactorKilledAtAnyPointLeavesTheSameFetch(.seaweedfs) }
    @Test func twoCompactorsAtOnce() async throws { try await CompactionTests.twoCompactorsAtOnceWriteTheSameBytesAndLoseNothing(.seaweedfs) }
    @Test func aCorruptedRollupFallsBackToRaw() async throws { try await CompactionTests.aCorruptedRollupIsSkippedAndItsHourFallsBackToRaw(.seaweedfs) }
}

/// A store that stops working after a number of writes and deletes, as if its process had been
/// killed there: the operation that would exceed them fails, and so does everything after.
final class KillableStore: ProfileStore, RollupStore, Sendable {
    let base: any FullProfileStore
    private let state: Locked<(allowed: Int, done: Int, dead: Bool)>
    init(_ base: any FullProfileStore, mutationsAllowed: Int) {
        self.base = base
        state = Locked((mutationsAllowed, 0, false))
    }
    struct Killed: Error, CustomStringConvertible { var description: String { "killed" } }
    var mutations: Int { state.value.done }

    private func alive() throws {
        if state.value.dead { throw Killed() }
    }
    private func mutate() throws {
        try state.withLock { state in
            guard !state.dead, state.done < state.allowed else {
                state.dead = true
                throw Killed()
            }
            state.done += 1
        }
    }
    var location: String { base.location }
    var rollupKeyPrefix: String { base.rollupKeyPrefix }
    var keyLayout: KeyLayout { base.keyLayout }
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        try mutate()
        return try await base.save(profile, service: service, createdAt: createdAt)
    }
    func list(service: String, window: TimeWindow) async throws -> StoreListing {
        try alive()
        return try await base.list(service: service, window: window)
    }
    func get(_ object: StoredProfile) async throws -> [UInt8] {
        try alive()
        return try await base.get(object)
    }
    func getWithDigest(_ object: StoredProfile) async throws -> DownloadedProfile {
        try alive()
        return try await base.getWithDigest(object)
    }
    func delete(_ object: StoredProfile) async throws {
        try mutate()
        try await base.delete(object)
    }
    func listRollupObjects(service: String) async throws -> [StoredProfile] {
        try alive()
        return try await base.listRollupObjects(service: service)
    }
    func writeRollupObject(_ bytes: [UInt8], key: String) async throws {
        try mutate()
        try await base.writeRollupObject(bytes, key: key)
    }
    func readRollupObject(key: String) async throws -> [UInt8] {
        try alive()
        return try await base.readRollupObject(key: key)
    }
    func deleteRollupObject(key: String) async throws {
        try mutate()
        try await base.deleteRollupObject(key: key)
    }
}
