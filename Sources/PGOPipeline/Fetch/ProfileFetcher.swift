import BinaryFormats
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
    public var toolVersion: String
    /// The toolchain whose llvm-symbolizer and llvm-profdata the LLVM profile needs.
    public var toolchain: Toolchain
    /// Progress and warnings.
    public var diagnostics: Diagnostics

    public init(
        options: FetchOptions, store: any ProfileStore, symbolStore: (any SymbolStore)?, toolVersion: String, toolchain: Toolchain,
        diagnostics: Diagnostics
    ) {
        self.options = options
        self.store = store
        self.symbolStore = symbolStore
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
        let initial = FetchManifest(
            tool: "swift-pgo \(toolVersion)", store: store.location, service: options.service, window: options.windowDescription,
            windowFrom: formatTimestamp(options.window.from), windowTo: formatTimestamp(options.window.to),
            selection: options.selection.description, status: "ok", reason: nil, objects: [], skipped: [], sampleTotals: [],
            outputs: [], downloaded: 0, fromCache: 0)
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
            if options.strict { throw FetchError(reason) }
            writeGitHubOutputs(flags, profileCount: manifest.objects.count)
            diagnostics.emit(.warning("building without PGO: \(reason)"))
            return Outcome(manifest: manifest, flags: flags, failure: reason)
        }
        try writeSideFiles(manifest: manifest, flags: flags)
        writeGitHubOutputs(flags, profileCount: manifest.objects.count)
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
        let listing = try await store.list(service: options.service, window: options.window)
        for skipped in listing.skipped { try skip("not a profile: \(skipped)", into: &manifest) }
        guard !listing.profiles.isEmpty else {
            throw FetchError("no profiles of service '\(options.service)' in \(store.location) for \(options.windowDescription)")
        }
        let samples = listing.profiles.filter { $0.kind == .pprof }
        let instrumented = listing.profiles.filter { $0.kind.isInstrumented }
        // --llvm takes instrumented counts when the window has them: they are exact, where samples are not.
        let llvmFromInstrumented = options.llvmOutput != nil && !instrumented.isEmpty
        if llvmFromInstrumented, !samples.isEmpty {
            diagnostics.emit(.warning("the LLVM profile uses the window's \(instrumented.count) instrumented profiles; its \(samples.count) pprof profiles are left out of it"))
        }
        if options.goOutput != nil || (options.llvmOutput != nil && !llvmFromInstrumented) {
            let (merged, mainBinaries) = try await mergeSamples(samples, into: &manifest)
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
            outputs.append(PlannedOutput(kind: .llvmInstrumented, path: path, bytes: try await mergeInstrumented(instrumented, into: &manifest)))
        }
        return (manifest, outputs)
    }

    /// Appends the step outputs for GitHub Actions, when asked to (best effort: a CI file that
    /// cannot be written does not fail the build).
    private func writeGitHubOutputs(_ flags: CompilerFlags, profileCount: Int) {
        guard let path = options.githubOutput, !path.isEmpty else { return }
        try? AppendFile.append(Array(flags.githubOutputs(profileCount: profileCount).utf8), to: path)
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
            try AtomicFile.write(manifest.json(), to: path)
        }
    }

    /// Downloads (from the cache where it can) and decodes `objects`, `options.concurrency` at a
    /// time; an object that cannot be fetched or decoded is skipped (fatal when strict).
    private func download<Decoded: Sendable>(
        _ objects: [StoredProfile], into manifest: inout FetchManifest, decode: @escaping @Sendable ([UInt8]) throws -> Decoded
    ) async throws -> [String: (Decoded, [UInt8])] {
        let cache = options.cacheDirectory.map(DownloadCache.init)
        let store = self.store
        var decoded: [String: (Decoded, [UInt8])] = [:]
        // Downloads run `concurrency` at a time; decoding runs here, one object at a time, so
        // that what decoding takes (bounded per profile by DecodingLimits) is not multiplied by
        // the number of downloads in flight.
        try await withThrowingTaskGroup(of: (StoredProfile, Result<[UInt8], Error>, Bool).self) { group in
            var next = 0
            func start() {
                let object = objects[next]
                next += 1
                group.addTask {
                    if let bytes = cache?.bytes(for: object, store: store.location) { return (object, .success(bytes), true) }
                    do {
                        let bytes = try await store.get(object)
                        cache?.store(bytes, for: object, store: store.location)
                        return (object, .success(bytes), false)
                    } catch {
                        return (object, .failure(error), false)
                    }
                }
            }
            while next < min(options.concurrency, objects.count) { start() }
            var done = 0
            var bytesSoFar = 0
            while let (object, result, cached) = try await group.next() {
                done += 1
                bytesSoFar += object.size
                if cached { manifest.fromCache += 1 } else { manifest.downloaded += 1 }
                switch result.flatMap({ bytes in Result { (try decode(bytes), bytes) } }) {
                case .success(let value): decoded[object.key] = value
                case .failure(let error): try skip("\(object.key): \(error)", into: &manifest)
                }
                diagnostics.emit(.progress(done: done, total: objects.count, bytes: bytesSoFar))
                if next < objects.count { start() }
            }
        }
        return decoded
    }

    private func record(_ object: StoredProfile, bytes: [UInt8], into manifest: inout FetchManifest) {
        manifest.objects.append(.init(
            key: object.key, time: formatTimestamp(object.createdAt), size: bytes.count, sha256: hexString(SHA256.hash(bytes)), etag: object.etag))
    }

    /// Downloads the pprof objects and merges the chosen ones.
    private func mergeSamples(_ objects: [StoredProfile], into manifest: inout FetchManifest) async throws -> (Profile, mainBinaries: Set<BinaryIdentity>) {
        guard !objects.isEmpty else {
            throw FetchError("no pprof profiles of service '\(options.service)' in \(store.location) for \(options.windowDescription) (only instrumented ones)")
        }
        let decoded = try await download(objects, into: &manifest) { try Profile(serialized: $0) }
        let chosen = options.selection.choose(from: objects.filter { decoded[$0.key] != nil }, profiles: decoded.mapValues(\.0))
        guard !chosen.isEmpty else { throw FetchError("none of the \(objects.count) profiles in the window could be read") }
        var merger = ProfileMerger()
        for object in chosen {
            try Task.checkCancellation()  // past the deadline
            let (profile, bytes) = decoded[object.key]!
            do { try merger.add(profile, source: object.key) } catch {
                try skip("\(error)", into: &manifest)
                continue
            }
            record(object, bytes: bytes, into: &manifest)
        }
        let merged = merger.finish()
        manifest.sampleTotals = zip(merged.sampleTypeNames(), merged.sampleTotals()).map { .init(type: $0, total: $1) }
        return (merged, merger.mainBinaries)
    }

    /// Downloads the instrumented objects and merges the chosen ones with the toolchain's
    /// llvm-profdata (smoothed against swiftc's zero-count crash).
    private func mergeInstrumented(_ objects: [StoredProfile], into manifest: inout FetchManifest) async throws -> [UInt8] {
        let tool = try LLVMProfdata.locate(in: toolchain)
        // Counts carry no CPU total to rank by: cpu:N keeps the N largest.
        let selection: ProfileSelection = if case .cpu(let n) = options.selection { .largest(n) } else { options.selection }
        let chosen = selection.choose(from: objects)
        let downloaded = try await download(chosen, into: &manifest) { bytes in
            let kind = ProfileKind(detecting: bytes)
            if kind == .llvmRaw {
                do throws(InputError) { _ = try RawProfileLayout(parsing: bytes, source: "") } catch { throw FetchError(error.problem) }
            }
            return kind
        }
        var inputs: [InstrumentedProfileMerge.Input] = []
        for object in chosen {
            guard let (kind, bytes) = downloaded[object.key] else { continue }
            guard kind == object.kind else {
                try skip("\(object.key): named \(object.kind.rawValue) but holds \(kind.rawValue)", into: &manifest)
                continue
            }
            inputs.append(.init(source: object.key, bytes: bytes))
            record(object, bytes: bytes, into: &manifest)
        }
        guard !inputs.isEmpty else { throw FetchError("none of the \(objects.count) instrumented profiles in the window could be read") }
        let result = try InstrumentedProfileMerge.merge(inputs, sourceRoot: options.sourceRoot, tool: tool)
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
