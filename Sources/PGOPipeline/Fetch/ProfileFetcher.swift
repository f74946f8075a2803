import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof
import ProfileStore

/// The pre-build step: take a window of profiles from a store, merge them, write the compiler's
/// profile, its flags and a manifest.
///
/// By default it fails open: a store that is down or empty must not break a build, so a
/// failure is a warning, no profile flags are written, and the manifest says why. `strict`
/// makes any failure an error.
public struct ProfileFetcher: Sendable {
    public var options: FetchOptions
    public var store: any ProfileStore
    /// Where symbol files of the window's builds are looked for (the store's `buildid/` area); nil: nowhere.
    public var symbolStore: (any SymbolStore)?
    /// Where `pgo compact`'s rollups are (the store's `rollups/` area); nil: raw profiles only.
    public var rollupStore: (any RollupStore)?
    public var toolVersion: String
    /// The toolchain whose llvm-symbolizer and llvm-profdata the LLVM profile needs.
    public var toolchain: Toolchain
    /// Progress and warnings.
    public var diagnostics: Diagnostics

    public init(
        options: FetchOptions, store: any ProfileStore, symbolStore: (any SymbolStore)?, rollupStore: (any RollupStore)?, toolVersion: String,
        toolchain: Toolchain, diagnostics: Diagnostics
    ) {
        self.options = options
        self.store = store
        self.symbolStore = symbolStore
        self.rollupStore = rollupStore
        self.toolVersion = toolVersion
        self.toolchain = toolchain
        self.diagnostics = diagnostics
    }

    public struct Outcome: Sendable {
        public var manifest: FetchManifest
        public var flags: CompilerFlags
        /// Set when the fetch failed (and, not being strict, carried on without PGO).
        public var failure: String?
    }

    /// Runs the fetch. Throws only in strict mode, or when outputs cannot be written at all.
    ///
    /// Everything up to the outputs (listing, downloads, merging, conversion) must finish within
    /// `options.deadline`; past it the fetch fails like any other failure (open, unless strict),
    /// and no output has been touched.
    public func run() async throws -> Outcome {
        let initial = emptyManifest()
        var manifest = initial
        var flags = CompilerFlags()
        do {
            let deadline = options.deadline
            let produced = try await withDeadline(
                seconds: deadline, timeout: FetchError("the fetch did not finish within \(formatSeconds(deadline)) (--deadline)")
            ) { try await self.produce(initial) }
            manifest = produced.manifest
            for output in produced.outputs {
                let path = try write(output.bytes, to: output.path, kind: output.kind.rawValue, into: &manifest)
                switch output.kind {
                case .go: flags.goProfile = path
                case .llvmSample: flags.llvmSampleProfile = path
                case .llvmInstrumented: flags.llvmInstrumentedProfile = path
                }
            }
        } catch {
            let reason = "\(error)"
            manifest.status = "failed"
            manifest.reason = reason
            flags = CompilerFlags()
            try writeSideFiles(manifest: manifest, flags: flags)
            writeStepSummary(manifest)
            if options.strict { throw FetchError(reason) }
            writeGitHubOutputs(flags, profileCount: manifest.objects.count)
            diagnostics.emit(.warning("building without PGO: \(reason)"))
            return Outcome(manifest: manifest, flags: flags, failure: reason)
        }
        try writeSideFiles(manifest: manifest, flags: flags)
        writeGitHubOutputs(flags, profileCount: manifest.objects.count)
        writeStepSummary(manifest)
        return Outcome(manifest: manifest, flags: flags, failure: nil)
    }

    /// An output to write once everything has been fetched.
    struct PlannedOutput: Sendable {
        enum Kind: String, Sendable {
            case go, llvmSample = "llvm-sample", llvmInstrumented = "llvm-instrumented"
        }
        var kind: Kind
        var path: String
        var bytes: [UInt8]
    }

    /// Lists, downloads, merges and converts: the manifest so far and the outputs' bytes.
    private func produce(_ initial: FetchManifest) async throws -> (manifest: FetchManifest, outputs: [PlannedOutput]) {
        var manifest = initial
        var outputs: [PlannedOutput] = []
        let (listing, rollups) = try await windowContents(into: &manifest)
        let samples = listing.profiles.filter { $0.kind == .pprof }
        let instrumented = listing.profiles.filter { $0.kind.isInstrumented }
        let sampleRollups = rollups.filter { $0.record.kind == "pprof" }
        let instrumentedRollups = rollups.filter { $0.record.kind != "pprof" }
        // --llvm takes instrumented counts when the window has them: they are exact, where samples are not.
        let llvmFromInstrumented = options.llvmOutput != nil && !(instrumented.isEmpty && instrumentedRollups.isEmpty)
        if llvmFromInstrumented, !samples.isEmpty {
            diagnostics.emit(.warning("the LLVM profile uses the window's \(instrumented.count) instrumented profiles; its \(samples.count) pprof profiles are left out of it"))
        }
        if options.goOutput != nil || (options.llvmOutput != nil && !llvmFromInstrumented) {
            let (merged, mainBinaries) = try await mergeSamples(samples, rollups: sampleRollups, into: &manifest)
            if let path = options.goOutput {
                outputs.append(PlannedOutput(kind: .go, path: path, bytes: try merged.trimmedForGoPGO().serialized()))
            }
            if let path = options.llvmOutput, !llvmFromInstrumented {
                var conversion = ConversionReport()
                let sources = SymbolSources(
                    binaries: options.binaries, store: symbolStore, debuginfodURLs: options.debuginfodURLs, cacheDirectory: options.cacheDirectory)
                let (profile, symbols) = try await SampleProfileWorkflow.convert(
                    merged, profiled: mainBinaries, sources: sources, toolchain: toolchain, strict: options.strict, diagnostics: diagnostics,
                    report: &conversion)
                manifest.builds = symbols.builds
                let bytes = try profile.checkedBytes(format: .text, toolchain: toolchain)
                outputs.append(PlannedOutput(kind: .llvmSample, path: path, bytes: bytes))
            }
        }
        if let path = options.llvmOutput, llvmFromInstrumented {
            outputs.append(PlannedOutput(kind: .llvmInstrumented, path: path, bytes: try await mergeInstrumented(instrumented, rollups: instrumentedRollups, into: &manifest)))
        }
        return (manifest, outputs)
    }

    /// The manifest before anything is fetched: the settings.
    private func emptyManifest() -> FetchManifest {
        FetchManifest(
            tool: "swift-pgo \(toolVersion)", store: store.location, service: options.service, window: options.windowDescription,
            windowFrom: formatTimestamp(options.window.from), windowTo: formatTimestamp(options.window.to),
            selection: options.selection.description, status: "ok", reason: nil, objects: [], skipped: [], sampleTotals: [],
            outputs: [], downloaded: 0, fromCache: 0)
    }

    /// The window's objects and rollups; throws when it has neither.
    private func windowContents(into manifest: inout FetchManifest) async throws -> (listing: StoreListing, rollups: [StoredRollup]) {
        let listing = try await store.list(service: options.service, window: options.window)
        for skipped in listing.skipped { try skip("not a profile: \(skipped)", into: &manifest) }
        let rollups = try await loadRollups(into: &manifest)
        guard !listing.profiles.isEmpty || !rollups.isEmpty else {
            var reason = "no profiles of service '\(options.service)' in \(store.location) for \(options.windowDescription)"
            // A misspelt service is the likeliest cause: say which the store has.
            if let services = try? await store.services(), !services.isEmpty, !services.contains(options.service) {
                reason += "; the store has no service '\(options.service)' at all, only: \(services.prefix(20).joined(separator: ", "))"
            }
            throw FetchError(reason)
        }
        return (listing, rollups)
    }

    /// What a fetch with these options would merge for `--go`, without writing anything: the
    /// manifest (objects used, skipped, top functions) and the merged pprof profile. `pgo report`
    /// shows it. Throws where the fetch would fail (whether or not it is strict).
    public func preview() async throws -> (manifest: FetchManifest, merged: Profile) {
        var manifest = emptyManifest()
        let (listing, rollups) = try await windowContents(into: &manifest)
        let (merged, _) = try await mergeSamples(
            listing.profiles.filter { $0.kind == .pprof }, rollups: rollups.filter { $0.record.kind == "pprof" }, into: &manifest)
        return (manifest, merged)
    }

    /// Appends the step outputs for GitHub Actions, when asked to (best effort: a CI file that
    /// cannot be written does not fail the build).
    private func writeGitHubOutputs(_ flags: CompilerFlags, profileCount: Int) {
        guard let path = options.githubOutput, !path.isEmpty else { return }
        try? AppendFile.append(Array(flags.githubOutputs(profileCount: profileCount).utf8), to: path)
    }

    /// Appends the job summary for GitHub Actions, when asked to (best effort, like the outputs).
    private func writeStepSummary(_ manifest: FetchManifest) {
        guard let path = options.githubStepSummary, !path.isEmpty else { return }
        try? AppendFile.append(Array((manifest.markdownSummary() + "\n").utf8), to: path)
    }

    /// Writes one output atomically, records it in the manifest, and returns its absolute path.
    private func write(_ bytes: [UInt8], to path: String, kind: String, into manifest: inout FetchManifest) throws -> String {
        try AtomicFile.createDirectory((path as NSString).deletingLastPathComponent)
        try AtomicFile.write(bytes, to: path)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        manifest.outputs.append(.init(kind: kind, path: absolute, bytes: bytes.count, sha256: hexString(SHA256.hash(bytes))))
        return absolute
    }

    private func writeSideFiles(manifest: FetchManifest, flags: CompilerFlags) throws {
        if let directory = options.flagsDirectory {
            try AtomicFile.createDirectory(directory)
            for file in flags.files() { try AtomicFile.write(Array(file.contents.utf8), to: directory + "/" + file.name) }
        }
        if let path = options.manifestPath {
            try AtomicFile.createDirectory((path as NSString).deletingLastPathComponent)
            let file = try AtomicFile.Stream(to: path)
            do {
                try manifest.writeJSON { try file.append($0) }
                try file.commit()
            } catch {
                file.discard()
                throw error
            }
        }
    }

    /// What a `stream` handler did with an object: whether it wants more, and what it could not use.
    struct Handled {
        var more = true
        var problems: [WindowMerge.Problem] = []
    }

    /// Streams `objects` through `DownloadStream` to `handle`, in order. An object that cannot
    /// be fetched, or that `handle` throws on, is skipped (fatal when strict). `counting` adds the
    /// transfers to the manifest's download and cache counts.
    private func stream(
        _ objects: [StoredProfile], counting: Bool = true, into manifest: inout FetchManifest,
        handle: (StoredProfile, DownloadedProfile) async throws -> Handled
    ) async throws {
        let downloads = DownloadStream(store: store, cache: options.cacheDirectory.map(DownloadCache.init), concurrency: options.concurrency)
        var done = 0, bytesSoFar = 0
        try await downloads.run(objects) { index, cached in
            done += 1
            bytesSoFar += objects[index].size
            if counting { if cached { manifest.fromCache += 1 } else { manifest.downloaded += 1 } }
            diagnostics.emit(.progress(done: done, total: objects.count, bytes: bytesSoFar))
        } handle: { object, result in
            do {
                let handled = try await handle(object, try result.get())
                for problem in handled.problems { try skip(problem.description, into: &manifest) }
                return handled.more
            } catch let error as MergeError {
                try skip("\(error)", into: &manifest)
            } catch let error as CancellationError {
                throw error
            } catch {
                try skip("\(object.key): \(error)", into: &manifest)
            }
            return true
        }
    }

    /// The window's rollups, when the store has an area for them. A rollup area that cannot be
    /// read is skipped like an object (the raw profiles are used).
    private func loadRollups(into manifest: inout FetchManifest) async throws -> [StoredRollup] {
        guard let rollupStore else { return [] }
        do {
            return try await RollupCatalog.load(from: rollupStore, service: options.service, window: options.window, diagnostics: diagnostics)
        } catch {
            try skip("the rollups of '\(options.service)': \(error)", into: &manifest)
            return []
        }
    }

    /// Downloads the pprof objects and merges the chosen ones as they arrive: memory does not
    /// grow with the window. `cpu:N` first streams the window for each profile's total (nothing is
    /// kept but the totals), then re-reads the chosen ones (from the cache when there is one).
    /// `--select all` merges the window's rollups and the raw profiles they do not cover
    /// (`RollupPlan`); the other rules choose among raw profiles.
    private func mergeSamples(
        _ objects: [StoredProfile], rollups: [StoredRollup], into manifest: inout FetchManifest
    ) async throws -> (Profile, mainBinaries: Set<BinaryIdentity>) {
        guard !objects.isEmpty || !rollups.isEmpty else {
            throw FetchError("no pprof profiles of service '\(options.service)' in \(store.location) for \(options.windowDescription) (only instrumented ones)")
        }
        var merge = WindowMerge(workers: ProcessInfo.processInfo.activeProcessorCount)
        if options.selection == .all {
            let raw = try await useRollups(rollups, raw: objects, manifest: &manifest) { rollup, object, download in
                await merge.add(object, download, mainBinaries: rollup.record.mainBinaryIdentities)
            } settle: {
                await merge.flush() + merge.drain()
            }
            try await stream(raw, into: &manifest) { object, download in Handled(problems: await merge.add(object, download)) }
        } else {
            let present = Set(objects.map(\.key))
            let hidden = Set(rollups.flatMap { $0.record.covers.filter { options.window.contains(milliseconds: $0.milliseconds) && !present.contains($0.key) }.map(\.key) })
            if !hidden.isEmpty {
                diagnostics.warn("--select \(options.selection) chooses among raw profiles: \(hidden.count) profiles of the window are only in rollups (pgo compact --delete-raw deleted their raw objects) and are not candidates")
            }
            guard !objects.isEmpty else { throw FetchError("no raw profiles of service '\(options.service)' in the window for --select \(options.selection) to choose from") }
            try await mergeSelected(objects, into: &merge, manifest: &manifest)
        }
        for problem in await merge.flush() + merge.drain() { try skip(problem.description, into: &manifest) }
        guard !merge.used.isEmpty else { throw FetchError("none of the \(objects.count + rollups.count) profiles in the window could be read") }
        var used = merge.takeUsed()
        if !rollups.isEmpty { used = used.map { annotated($0, rollups: rollups) } }
        // In time order already unless a rule ranked them (or rollups came first).
        let inOrder: (FetchManifest.Object, FetchManifest.Object) -> Bool = { ($0.time, $0.key) < ($1.time, $1.key) }
        if zip(used, used.dropFirst()).contains(where: { inOrder($1, $0) }) { used.sort(by: inOrder) }
        if manifest.objects.isEmpty { manifest.objects = used } else { manifest.objects += used }
        let (merged, mainBinaries) = try merge.finish()
        manifest.sampleTotals = zip(merged.sampleTypeNames(), merged.sampleTotals()).map { .init(type: $0, total: $1) }
        let top = ProfileSummary(merged, top: 10)
        let total = max(top.totals.indices.contains(top.selectedType) ? top.totals[top.selectedType] : 0, 1)
        manifest.topFunctions = top.topFunctions.map { .init(name: $0.name, flat: $0.flat, percent: Double($0.flat) * 100 / Double(total)) }
        return (merged, mainBinaries)
    }

    /// A manifest entry, with what it covers when it is one of `rollups`.
    private func annotated(_ entry: FetchManifest.Object, rollups: [StoredRollup]) -> FetchManifest.Object {
        guard let rollup = rollups.first(where: { $0.profile.key == entry.key }) else { return entry }
        let windowRange = options.window.from.unixMilliseconds...options.window.to.unixMilliseconds
        var entry = entry
        entry.covers = rollup.record.covers.count
        entry.period = rollup.record.start + "/" + rollup.period.rawValue
        if !(windowRange.contains(rollup.range.lowerBound) && windowRange.contains(rollup.range.upperBound)) { entry.beyondWindow = true }
        return entry
    }

    /// Hands the rollups `RollupPlan` chooses to `take` (pprof merges them; counts collect them)
    /// and returns the raw objects still to merge. A rollup whose bytes are not its record's, or
    /// that `take` or `settle` (which waits for pending merges) reports a problem with, is skipped
    /// with a warning and the plan is made again without it, so its period falls back to its raw
    /// profiles.
    private func useRollups(
        _ rollups: [StoredRollup], raw: [StoredProfile], manifest: inout FetchManifest,
        take: (StoredRollup, StoredProfile, DownloadedProfile) async throws -> [WindowMerge.Problem],
        settle: () async -> [WindowMerge.Problem]
    ) async throws -> [StoredProfile] {
        guard !rollups.isEmpty else { return raw }  // nothing to plan: no copy of a large listing
        var candidates = rollups
        var merged: [StoredRollup] = []
        while true {
            let plan = RollupPlan.choose(window: options.window, raw: raw, rollups: candidates)
            guard Set(merged).isSubset(of: plan.rollups) else { throw FetchError("the rollups of the window overlap in a way no plan resolves: run pgo compact") }
            let pending = plan.rollups.filter { !merged.contains($0) }
            guard !pending.isEmpty else {
                for note in plan.notes { diagnostics.warn(note) }
                for rollup in plan.beyondWindow {
                    diagnostics.warn("the window cuts the period of rollup \(rollup.profile.key) (\(formatTimestamp(Date(unixMilliseconds: rollup.record.startMilliseconds))) to \(formatTimestamp(Date(unixMilliseconds: rollup.record.endMilliseconds)))), whose raw profiles are gone: the rollup is used whole")
                }
                for rejected in plan.rejected { try skip("\(rejected.key): \(rejected.reason) (as pgo compact found)", into: &manifest) }
                return plan.raw
            }
            // A rollup counts as used only once its merge settled: one that could not be
            // downloaded, is not its record's bytes, or does not merge, is bad.
            var accepted = Set<String>()
            let byKey = Dictionary(pending.map { ($0.profile.key, $0) }, uniquingKeysWith: { a, _ in a })
            try await stream(pending.map(\.profile), into: &manifest) { object, download in
                let rollup = byKey[object.key]!
                if let mismatch = rollup.mismatch(download) {
                    throw RollupError("the rollup's profile is not the one its record describes: \(mismatch)")
                }
                accepted.insert(object.key)
                let problems = try await take(rollup, object, download)
                for problem in problems { accepted.remove(problem.key) }
                return Handled(problems: problems)
            }
            // A rollup must be settled before the raw profiles are chosen.
            for problem in await settle() {
                accepted.remove(problem.key)
                try skip(problem.description, into: &manifest)
            }
            let bad = pending.filter { !accepted.contains($0.profile.key) }
            for rollup in bad { diagnostics.warn("rollup \(rollup.profile.key) is not used: its period is taken from raw profiles where they exist") }
            merged += pending.filter { accepted.contains($0.profile.key) }
            candidates.removeAll { bad.contains($0) }
        }
    }

    /// A `--select` rule other than `all`: the chosen raw objects, best first until enough are usable.
    private func mergeSelected(_ objects: [StoredProfile], into merge: inout WindowMerge, manifest: inout FetchManifest) async throws {
        // cpu:N streams the window for the totals first; its second pass is not counted again.
        let ranksByCPU = options.selection.needsCPUTotals
        let candidates: [StoredProfile]
        if ranksByCPU {
            var totals: [String: Int64] = [:]
            try await stream(objects, into: &manifest) { object, download in
                totals[object.key] = cpuTotal(try Profile(serialized: download.bytes))
                return Handled()
            }
            // The N with the most CPU, merged in time order (all of them must be used).
            candidates = options.selection.choose(from: objects.filter { totals[$0.key] != nil }) { totals[$0.key]! }
        } else {
            candidates = options.selection.ranked(objects)
        }
        let limit = ranksByCPU ? nil : options.selection.limit
        try await stream(candidates, counting: !ranksByCPU, into: &manifest) { object, download in
            var problems = await merge.add(object, download)
            guard let limit else { return Handled(problems: problems) }
            // A ranked rule takes the best until it has `limit` usable ones: merge as soon as enough wait.
            if merge.used.count + merge.unfinished >= limit {
                problems += await merge.flush()
                problems += await merge.drain()
            }
            return Handled(more: merge.used.count < limit, problems: problems)
        }
    }

    /// Downloads the instrumented objects and merges the chosen ones with the toolchain's
    /// llvm-profdata (smoothed against swiftc's zero-count crash).
    private func mergeInstrumented(_ objects: [StoredProfile], rollups: [StoredRollup], into manifest: inout FetchManifest) async throws -> [UInt8] {
        let tool = try LLVMProfdata.locate(in: toolchain)
        var inputs: [InstrumentedProfileMerge.Input] = []
        var templates: [[UInt8]] = []
        var used: [FetchManifest.Object] = []
        let chosen: [StoredProfile]
        if options.selection == .all {
            // Rollups are unsmoothed merges that keep their binaries' smoothing templates: the
            // fetch smooths once, over the whole window, as it would over the raw profiles.
            chosen = try await useRollups(rollups, raw: objects, manifest: &manifest) { rollup, object, download in
                templates += try rollup.record.templateBytes()
                inputs.append(.init(source: object.key, bytes: download.bytes, hasTemplates: true))
                used.append(annotated(WindowMerge.entry(object, download), rollups: rollups))
                return []
            } settle: { [] }
        } else {
            // Counts carry no CPU total to rank by: cpu:N keeps the N largest.
            let selection: ProfileSelection = if case .cpu(let n) = options.selection { .largest(n) } else { options.selection }
            chosen = selection.choose(from: objects)
        }
        try await stream(chosen, into: &manifest) { object, download in
            if let problem = object.instrumentedProblem(download.bytes) { throw FetchError(problem) }
            inputs.append(.init(source: object.key, bytes: download.bytes))
            used.append(WindowMerge.entry(object, download))
            return Handled()
        }
        manifest.objects += used.sorted { ($0.time, $0.key) < ($1.time, $1.key) }
        guard !inputs.isEmpty else { throw FetchError("none of the \(objects.count + rollups.count) instrumented profiles in the window could be read") }
        let result = try InstrumentedProfileMerge.merge(inputs, templates: templates, sourceRoot: options.sourceRoot, tool: tool)
        for warning in result.warnings { diagnostics.emit(.warning(warning)) }
        return result.profdata
    }

    /// An unusable object: a warning, or with `strict` the end of the fetch.
    private func skip(_ problem: String, into manifest: inout FetchManifest) throws {
        if options.strict { throw FetchError(problem) }
        manifest.skipped.append(problem)
        diagnostics.emit(.warning("skipping \(problem)"))
    }
}

/// Why a fetch failed: the store, the window, or an object.
public struct FetchError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
