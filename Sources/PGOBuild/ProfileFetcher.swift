import Foundation
import LLVMProfile
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
    public var toolVersion: String
    /// Progress and warnings, one line at a time.
    public var report: @Sendable (FetchEvent) -> Void

    public init(options: FetchOptions, store: any ProfileStore, toolVersion: String, report: @escaping @Sendable (FetchEvent) -> Void) {
        self.options = options
        self.store = store
        self.toolVersion = toolVersion
        self.report = report
    }

    public enum FetchEvent: Sendable {
        case progress(done: Int, total: Int, bytes: Int)
        case warning(String)
    }

    public struct Outcome: Sendable {
        public var manifest: FetchManifest
        public var flags: CompilerFlags
        /// Set when the fetch failed (and, not being strict, carried on without PGO).
        public var failure: String?
    }

    /// Runs the fetch. Throws only in strict mode, or when outputs cannot be written at all.
    public func run() async throws -> Outcome {
        var manifest = FetchManifest(
            tool: "swift-pgo \(toolVersion)", store: store.location, service: options.service, window: options.windowDescription,
            windowFrom: formatTimestamp(options.window.from), windowTo: formatTimestamp(options.window.to),
            selection: options.selection.description, status: "ok", reason: nil, objects: [], skipped: [], sampleTotals: [],
            outputs: [], downloaded: 0, fromCache: 0)
        var flags = CompilerFlags()
        do {
            let merged = try await fetchAndMerge(into: &manifest)
            if let path = options.goOutput {
                let bytes = try merged.trimmedForGoPGO().serialized()
                try AtomicFile.write(bytes, to: path)
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                manifest.outputs.append(.init(kind: "go", path: absolute, bytes: bytes.count, sha256: hexString(SHA256.hash(bytes))))
                flags.goProfile = absolute
            }
            if let path = options.llvmOutput {
                let symbolized = try options.binary.map {
                    try Symbolization.symbolize(merged, binary: $0, symbolizer: try Symbolization.locateSymbolizer())
                } ?? merged
                var conversion = ConversionReport()
                let text = try SampleProfile(converting: symbolized, report: &conversion).validatedText()
                let bytes = Array(text.utf8)
                try AtomicFile.write(bytes, to: path)
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                manifest.outputs.append(.init(kind: "llvm-sample", path: absolute, bytes: bytes.count, sha256: hexString(SHA256.hash(bytes))))
                flags.llvmSampleProfile = absolute
            }
        } catch {
            let reason = "\(error)"
            manifest.status = "failed"
            manifest.reason = reason
            flags = CompilerFlags()
            try writeSideFiles(manifest: manifest, flags: flags)
            if options.strict { throw FetchFailure(reason) }
            report(.warning("building without PGO: \(reason)"))
            return Outcome(manifest: manifest, flags: flags, failure: reason)
        }
        try writeSideFiles(manifest: manifest, flags: flags)
        return Outcome(manifest: manifest, flags: flags, failure: nil)
    }

    private func writeSideFiles(manifest: FetchManifest, flags: CompilerFlags) throws {
        if let directory = options.flagsDirectory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for file in flags.files() { try AtomicFile.write(Array(file.contents.utf8), to: directory + "/" + file.name) }
        }
        if let path = options.manifestPath { try AtomicFile.write(manifest.json(), to: path) }
    }

    /// Lists, downloads (from the cache where it can) and merges as downloads arrive.
    private func fetchAndMerge(into manifest: inout FetchManifest) async throws -> Profile {
        let listing = try await store.list(service: options.service, window: options.window)
        for skipped in listing.skipped { try skip("not a profile: \(skipped)", into: &manifest) }
        guard !listing.profiles.isEmpty else {
            throw FetchFailure("no profiles of service '\(options.service)' in \(store.location) for \(options.windowDescription)")
        }
        let cache = options.cacheDirectory.map(DownloadCache.init)
        let store = self.store
        var candidates = listing.profiles
        var decoded: [String: (Profile, [UInt8])] = [:]
        // Download and decode `options.concurrency` at a time.
        try await withThrowingTaskGroup(of: (StoredProfile, Result<(Profile, [UInt8]), Error>, Bool).self) { group in
            var next = 0
            func start() {
                let object = candidates[next]
                next += 1
                group.addTask {
                    if let bytes = cache?.bytes(for: object, store: store.location) {
                        return (object, Result { (try Profile(serialized: bytes), bytes) }, true)
                    }
                    do {
                        let bytes = try await store.get(object)
                        cache?.store(bytes, for: object, store: store.location)
                        return (object, Result { (try Profile(serialized: bytes), bytes) }, false)
                    } catch {
                        return (object, .failure(error), false)
                    }
                }
            }
            while next < min(options.concurrency, candidates.count) { start() }
            var done = 0
            var bytesSoFar = 0
            while let (object, result, cached) = try await group.next() {
                done += 1
                bytesSoFar += object.size
                if cached { manifest.fromCache += 1 } else { manifest.downloaded += 1 }
                switch result {
                case .success(let value): decoded[object.key] = value
                case .failure(let error): try skip("\(object.key): \(error)", into: &manifest)
                }
                report(.progress(done: done, total: candidates.count, bytes: bytesSoFar))
                if next < candidates.count { start() }
            }
        }
        candidates = candidates.filter { decoded[$0.key] != nil }
        let chosen = options.selection.choose(from: candidates) { object in
            decoded[object.key].map { cpuTotal($0.0) } ?? -1
        }
        guard !chosen.isEmpty else { throw FetchFailure("none of the \(listing.profiles.count) profiles in the window could be read") }
        var merger = ProfileMerger()
        for object in chosen {
            let (profile, bytes) = decoded[object.key]!
            do { try merger.add(profile, source: object.key) } catch {
                try skip("\(error)", into: &manifest)
                continue
            }
            manifest.objects.append(.init(
                key: object.key, time: formatTimestamp(object.createdAt), size: bytes.count, sha256: hexString(SHA256.hash(bytes)), etag: object.etag))
        }
        let merged = merger.finish()
        manifest.sampleTotals = zip(merged.sampleTypeNames(), merged.sampleTotals()).map { .init(type: $0, total: $1) }
        return merged
    }

    /// An unusable object: a warning, or with `strict` the end of the fetch.
    private func skip(_ problem: String, into manifest: inout FetchManifest) throws {
        if options.strict { throw FetchFailure(problem) }
        manifest.skipped.append(problem)
        report(.warning("skipping \(problem)"))
    }
}

/// The CPU a profile holds: its cpu/nanoseconds total, else its sample count times the period.
public func cpuTotal(_ profile: Profile) -> Int64 {
    let types = profile.sampleTypeNames()
    let totals = profile.sampleTotals()
    if let index = types.firstIndex(of: "cpu/nanoseconds") { return totals[index] }
    if let index = types.firstIndex(of: "samples/count") { return totals[index] &* max(profile.period, 1) }
    return totals.last ?? 0
}

public struct FetchFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
