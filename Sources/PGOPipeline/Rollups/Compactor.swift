import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof
import ProfileStore

/// What `pgo compact` is asked to do.
public struct CompactOptions: Sendable, Equatable {
    public var service: String
    public var period: RollupPeriod = .hour
    /// Only periods that ended at least this long before `now` are compacted: late uploads of a
    /// period usually arrive within it.
    public var olderThan: TimeInterval = 2 * 3600
    /// Delete the raw objects a rollup covers, once it is written, read back and checked.
    public var deleteRaw = false
    public var dryRun = false
    public var concurrency = 8
    /// The time compaction runs at (the CLI's clock; tests pass their own).
    public var now: Date

    public init(service: String, now: Date) {
        self.service = service
        self.now = now
    }
}

/// Rolls a service's raw profiles up into one profile per complete period (see `RollupStore`
/// for the layout, `RollupPlan` for how fetches use them).
///
/// Safe to run again and to run twice at once: a rollup is a function of the objects it covers
/// (merging is canonical), its key is its content's hash, and its record is written last. A
/// period already covered writes nothing. Raw objects are deleted only after the rollup that
/// covers them has been read back and checked, so a compactor stopped at any point leaves a
/// store whose fetches give the same profile.
public struct Compactor: Sendable {
    public var options: CompactOptions
    public var store: any ProfileStore & RollupStore
    /// Where llvm-profdata is, for periods of instrumented profiles.
    public var toolchain: Toolchain
    public var diagnostics: Diagnostics

    public init(options: CompactOptions, store: any ProfileStore & RollupStore, toolchain: Toolchain, diagnostics: Diagnostics) {
        self.options = options
        self.store = store
        self.toolchain = toolchain
        self.diagnostics = diagnostics
    }

    public struct Report: Sendable {
        public enum Action: String, Sendable {
            case written = "wrote"
            case upToDate = "up to date"
            case wouldWrite = "would write"
            case failed
        }
        public struct Period: Sendable {
            public var start: Date
            public var kind: String
            public var action: Action
            /// The rollup that covers the period now (or would).
            public var rollupKey: String?
            /// Raw profiles it covers, and how many of them this run added.
            public var covers: Int
            public var added: Int
            public var reason: String?
        }
        public var periods: [Period] = []
        public var deletedRaw: [String] = []
        public var deletedRollups: [String] = []
        /// Objects written (a rollup is two: its profile and its record).
        public var written = 0
    }

    /// The periods compacted, in time order. Throws when the store cannot be listed; a period
    /// that fails is reported and the others go on.
    public func run() async throws -> Report {
        guard store.keyLayout == .standard else {
            throw RollupError("\(store.location): pgo compact needs the swift-pgo key layout (rollups record swift-pgo keys); this store uses \(store.keyLayout.rawValue)'s")
        }
        let period = options.period
        let cutoff = Date(timeIntervalSince1970: options.now.timeIntervalSince1970 - options.olderThan).unixMilliseconds
        let boundary = period.start(of: cutoff)  // periods starting before it have ended by the cutoff
        let window = TimeWindow(from: TimeWindow.all.from, to: Date(unixMilliseconds: boundary - 1))
        let listing = try await store.list(service: options.service, window: window)
        for skipped in listing.skipped { diagnostics.warn("not a profile, left alone: \(skipped)") }
        let rollups = try await RollupCatalog.load(from: store, service: options.service, window: window, diagnostics: diagnostics)

        // Raw objects a longer rollup already holds (hourly compaction after a daily one) are done.
        var heldByLonger = Set<String>()
        for rollup in rollups where rollup.period > period { heldByLonger.formUnion(rollup.record.accountedKeys) }
        var groups: [Group.ID: Group] = [:]
        for object in listing.profiles where !heldByLonger.contains(object.key) {
            let id = Group.ID(start: period.start(of: object.createdAt.unixMilliseconds), instrumented: object.kind.isInstrumented)
            groups[id, default: Group(id: id)].raw.append(object)
        }
        for rollup in rollups where rollup.period <= period {
            let id = Group.ID(start: period.start(of: rollup.record.startMilliseconds), instrumented: rollup.record.kind != "pprof")
            guard id.start + period.milliseconds <= boundary else { continue }
            groups[id, default: Group(id: id)].rollups.append(rollup)
        }
        var report = Report()
        for id in groups.keys.sorted(by: { ($0.start, $0.instrumented ? 1 : 0) < ($1.start, $1.instrumented ? 1 : 0) }) {
            do {
                if let done = try await compact(groups[id]!, into: &report) { report.periods.append(done) }
            } catch {
                diagnostics.warn("period \(formatTimestamp(Date(unixMilliseconds: id.start))) is left for the next run: \(error)")
                report.periods.append(.init(start: Date(unixMilliseconds: id.start), kind: id.kindName, action: .failed, covers: 0, added: 0, reason: "\(error)"))
            }
        }
        return report
    }

    /// The raw objects and rollups of one period and kind.
    struct Group {
        struct ID: Hashable {
            var start: Int64
            var instrumented: Bool
            var kindName: String { instrumented ? "profdata" : "pprof" }
        }
        var id: ID
        var raw: [StoredProfile] = []
        var rollups: [StoredRollup] = []
    }

    /// What a new rollup is made of: the period's best rollup, the shorter ones inside it that
    /// add something, and the raw objects none of them accounts for.
    struct Inputs {
        var existing: StoredRollup?
        var rollups: [StoredRollup]
        var raw: [StoredProfile]
        var accounted: Set<String>

        init(_ group: Group, period: RollupPeriod, excluding bad: Set<StoredRollup>) {
            let usable = group.rollups.filter { !bad.contains($0) }.sorted()
            existing = usable.first { $0.period == period }
            accounted = existing?.record.accountedKeys ?? []
            rollups = existing.map { [$0] } ?? []
            for rollup in usable where rollup.period < period && rollup.record.accountedKeys.isDisjoint(with: accounted) {
                rollups.append(rollup)
                accounted.formUnion(rollup.record.accountedKeys)
            }
            let accounted = accounted
            raw = group.raw.filter { !accounted.contains($0.key) }
        }

        /// Nothing to add to the period's rollup.
        var isUpToDate: Bool { existing != nil && rollups.count == 1 && raw.isEmpty }
    }

    private func compact(_ group: Group, into report: inout Report) async throws -> Report.Period? {
        var bad = Set<StoredRollup>()
        while true {
            let inputs = Inputs(group, period: options.period, excluding: bad)
            let start = Date(unixMilliseconds: group.id.start)
            if inputs.rollups.isEmpty && inputs.raw.isEmpty { return nil }
            if inputs.isUpToDate, let existing = inputs.existing {
                let period = Report.Period(
                    start: start, kind: group.id.kindName, action: .upToDate, rollupKey: existing.profile.key, covers: existing.record.covers.count, added: 0)
                guard !options.dryRun else { return period }
                // Still tidy up after a run that stopped between writing and deleting.
                let superseded = group.rollups.filter { $0.profile.key != existing.profile.key && $0.record.accountedKeys.isSubset(of: existing.record.accountedKeys) }
                let covered = group.raw.filter { existing.record.covers.map(\.key).contains($0.key) }
                if !superseded.isEmpty || (options.deleteRaw && !covered.isEmpty) {
                    do { try await check(existing) } catch {
                        bad.insert(existing)
                        diagnostics.warn("rollup \(existing.profile.key) does not check (\(error)): it is rebuilt from what remains")
                        continue
                    }
                    try await deleteSuperseded(superseded, raw: options.deleteRaw ? covered : [], into: &report)
                }
                return period
            }
            let added = inputs.raw.count + inputs.rollups.filter { $0.period < options.period }.reduce(0) { $0 + $1.record.covers.count }
            if options.dryRun {
                let covers = inputs.rollups.reduce(0) { $0 + $1.record.covers.count } + inputs.raw.count
                return Report.Period(start: start, kind: group.id.kindName, action: .wouldWrite, covers: covers, added: added)
            }
            let built: Built?
            do {
                built = group.id.instrumented ? try await buildInstrumented(inputs) : try await buildSamples(inputs)
            } catch let failure as BadRollup {
                bad.insert(failure.rollup)
                diagnostics.warn("rollup \(failure.rollup.profile.key) is not used: \(failure.problem)")
                continue
            }
            guard let built else {
                diagnostics.warn("period \(formatTimestamp(start)): none of its \(inputs.raw.count) profiles could be merged; nothing written")
                return nil
            }
            let rollup = try await write(built, group: group)
            report.written += 2
            let superseded = group.rollups.filter { $0.profile.key != rollup.profile.key && $0.record.accountedKeys.isSubset(of: rollup.record.accountedKeys) }
            let coveredKeys = Set(rollup.record.covers.map(\.key))
            try await deleteSuperseded(superseded, raw: options.deleteRaw ? group.raw.filter { coveredKeys.contains($0.key) } : [], into: &report)
            return Report.Period(start: start, kind: group.id.kindName, action: .written, rollupKey: rollup.profile.key, covers: rollup.record.covers.count, added: added)
        }
    }

    /// A rollup input that turned out not to be what its record says.
    struct BadRollup: Error {
        var rollup: StoredRollup
        var problem: String
    }

    /// A merged period, ready to write.
    struct Built {
        var bytes: [UInt8]
        var kind: ProfileKind
        var covers: [RollupRecord.Covered]
        var rejected: [RollupRecord.Rejected]
        var mainBinaries: Set<BinaryIdentity>
        var smoothingTemplates: [[UInt8]]? = nil
    }

    private var downloads: DownloadStream { DownloadStream(store: store, cache: nil, concurrency: options.concurrency) }

    /// Downloads a period's input rollups and hands each to `take` once it checks against its
    /// record; one that does not (or that `take` refuses) is a `BadRollup`.
    private func withInputRollups(_ rollups: [StoredRollup], _ take: (StoredRollup, StoredProfile, DownloadedProfile) async throws -> Void) async throws {
        let byKey = Dictionary(rollups.map { ($0.profile.key, $0) }, uniquingKeysWith: { a, _ in a })
        try await downloads.run(rollups.map(\.profile)) { object, result in
            let rollup = byKey[object.key]!
            let download = try result.get()
            if let mismatch = rollup.mismatch(download) { throw BadRollup(rollup: rollup, problem: mismatch) }
            try await take(rollup, object, download)
            return true
        }
    }

    /// Merges a period's pprof inputs as they download (memory does not grow with the period).
    private func buildSamples(_ inputs: Inputs) async throws -> Built? {
        var merge = WindowMerge(workers: ProcessInfo.processInfo.activeProcessorCount)
        var rejected: [RollupRecord.Rejected] = []
        try await withInputRollups(inputs.rollups) { rollup, object, download in
            if let problem = await merge.add(object, download, mainBinaries: rollup.record.mainBinaryIdentities).first { throw BadRollup(rollup: rollup, problem: problem.description) }
        }
        let flushed = await merge.flush() + merge.drain()
        if let problem = flushed.first, let rollup = inputs.rollups.first(where: { $0.profile.key == problem.key }) {
            throw BadRollup(rollup: rollup, problem: problem.description)
        }
        let times = Dictionary(inputs.raw.map { ($0.key, $0.createdAt.unixMilliseconds) }, uniquingKeysWith: { a, _ in a })
        func reject(_ problems: [WindowMerge.Problem]) {
            rejected += problems.map { RollupRecord.Rejected(key: $0.key, milliseconds: times[$0.key] ?? 0, reason: $0.description) }
        }
        // A raw object that cannot be downloaded stops the period (it may be a moment's trouble,
        // or another compactor deleting what it covered); one that downloads but does not merge is
        // recorded as rejected, so fetches skip it as the raw fetch would.
        try await downloads.run(inputs.raw) { object, result in
            reject(await merge.add(object, try result.get()))
            return true
        }
        reject(await merge.flush() + merge.drain())
        let rawKeys = Set(inputs.raw.map(\.key))
        let merged = Set(merge.used.map(\.key)).intersection(rawKeys)
        guard !merge.used.isEmpty else { return nil }
        let (profile, mainBinaries) = try merge.finish()
        var covers = inputs.raw.filter { merged.contains($0.key) }.map(RollupRecord.Covered.init)
        for rollup in inputs.rollups {
            covers += rollup.record.covers
            rejected += rollup.record.rejected
        }
        return Built(bytes: profile.serialized(), kind: .pprof, covers: covers, rejected: rejected, mainBinaries: mainBinaries)
    }

    /// Merges a period's instrumented inputs with the toolchain's llvm-profdata, unsmoothed:
    /// smoothing belongs to the fetch, once, with the templates the record keeps. The period's
    /// inputs are held in memory (llvm-profdata reads files; instrumented fleets upload few).
    private func buildInstrumented(_ inputs: Inputs) async throws -> Built? {
        let tool = try LLVMProfdata.locate(in: toolchain)
        var merging: [InstrumentedProfileMerge.Input] = []
        var templates: [[UInt8]] = []
        var rejected: [RollupRecord.Rejected] = []
        var covers: [RollupRecord.Covered] = []
        try await withInputRollups(inputs.rollups) { rollup, object, download in
            do { templates += try rollup.record.templateBytes() } catch { throw BadRollup(rollup: rollup, problem: "\(error)") }
            merging.append(.init(source: object.key, bytes: download.bytes, hasTemplates: true))
            covers += rollup.record.covers
            rejected += rollup.record.rejected
        }
        try await downloads.run(inputs.raw) { object, result in
            let bytes = try result.get().bytes
            if let problem = object.instrumentedProblem(bytes) {
                rejected.append(.init(key: object.key, milliseconds: object.createdAt.unixMilliseconds, reason: "\(object.key): \(problem)"))
            } else {
                merging.append(.init(source: object.key, bytes: bytes))
                covers.append(.init(object))
            }
            return true
        }
        guard !merging.isEmpty else { return nil }
        templates = try InstrumentedProfileMerge.smoothingTemplates((templates.map { .init(source: "template", bytes: $0) }) + merging)
        let merged = try InstrumentedProfileMerge.merge(merging, sourceRoot: nil, smoothing: false, tool: tool)
        return Built(bytes: merged.profdata, kind: .llvmIndexed, covers: covers, rejected: rejected, mainBinaries: [], smoothingTemplates: templates)
    }

    /// Writes the profile, then its record, then reads both back and checks them.
    private func write(_ built: Built, group: Group) async throws -> StoredRollup {
        let digest = SHA256.hash(built.bytes)
        let key = RollupKey.profileKey(
            prefix: store.rollupKeyPrefix, service: options.service, period: options.period, start: group.id.start,
            contentHash: hexString(digest), kind: built.kind)
        let record = RollupRecord(
            format: RollupRecord.currentFormat, service: options.service, period: options.period, startMilliseconds: group.id.start,
            start: formatTimestamp(Date(unixMilliseconds: group.id.start)), kind: group.id.kindName, profileKey: key,
            profileSize: built.bytes.count, profileSHA256: hexString(digest),
            covers: built.covers.sorted { $0.key < $1.key }, rejected: built.rejected.sorted { $0.key < $1.key },
            mainBinaries: RollupRecord.encode(mainBinaries: built.mainBinaries),
            smoothingTemplates: built.smoothingTemplates.map { $0.map { Data($0).base64EncodedString() } })
        let recordKey = RollupKey.recordKey(ofProfile: key)
        try await store.writeRollupObject(built.bytes, key: key)
        let recordBytes = record.json()
        try await store.writeRollupObject(recordBytes, key: recordKey)
        let rollup = StoredRollup(
            record: record, recordKey: recordKey,
            profile: StoredProfile(key: key, service: options.service, createdAt: Date(unixMilliseconds: group.id.start), size: built.bytes.count))
        guard try await store.readRollupObject(key: recordKey) == recordBytes else {
            throw RollupError("\(recordKey) does not read back as written")
        }
        try await check(rollup)
        return rollup
    }

    /// Downloads a rollup's profile and checks it against its record and decodes it.
    private func check(_ rollup: StoredRollup) async throws {
        let download = try await store.getWithDigest(rollup.profile)
        if let mismatch = rollup.mismatch(download) { throw RollupError("\(rollup.profile.key): \(mismatch)") }
        if rollup.record.kind == "pprof" { _ = try Profile(serialized: download.bytes) }
    }

    /// Deletes rollups the new one holds (record first, so none is left half there) and the raw objects it covers.
    private func deleteSuperseded(_ rollups: [StoredRollup], raw: [StoredProfile], into report: inout Report) async throws {
        for rollup in rollups {
            try await store.deleteRollupObject(key: rollup.recordKey)
            try await store.deleteRollupObject(key: rollup.profile.key)
            report.deletedRollups.append(rollup.profile.key)
        }
        let store = self.store
        _ = try await boundedMap(raw, concurrency: options.concurrency) { object in try await store.delete(object) }
        report.deletedRaw += raw.map(\.key)
    }
}
