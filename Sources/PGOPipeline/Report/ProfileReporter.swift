import Foundation
import PGOSystem
import Pprof
import ProfileStore

/// `pgo report`'s workflow: reads a window of a store into a `ProfileReport`. Every raw pprof
/// profile is read once for its CPU, duration and build (only those are kept: memory does not
/// grow with the profiles' size), then `ProfileFetcher.preview` merges what a fetch with the
/// same settings would, so the report's top functions and its account of the fetch are the
/// fetch's own. With a download cache, that second read comes from the cache.
public struct ProfileReporter: Sendable {
    /// The fetch settings the report describes (store, service, window, selection, cache, jobs).
    public var options: FetchOptions
    public var store: any FullProfileStore
    public var toolVersion: String
    public var toolchain: Toolchain
    /// When the report is made (shown on the page; a test fixes it).
    public var generatedAt: Date
    public var diagnostics: Diagnostics
    /// How many functions each table shows.
    public var topCount = 25

    public init(options: FetchOptions, store: any FullProfileStore, toolVersion: String, toolchain: Toolchain, generatedAt: Date, diagnostics: Diagnostics) {
        self.options = options
        self.store = store
        self.toolVersion = toolVersion
        self.toolchain = toolchain
        self.generatedAt = generatedAt
        self.diagnostics = diagnostics
    }

    public func run() async throws -> ProfileReport {
        let listing = try await store.list(service: options.service, window: options.window)
        let raw = listing.profiles.filter { $0.kind == .pprof }
        var points: [ProfileReport.Point] = []
        var unreadable = listing.skipped.map { "\($0.key): \($0.reason)" }
        let downloads = DownloadStream(store: store, cache: options.cacheDirectory.map(DownloadCache.init), concurrency: options.concurrency)
        var done = 0, bytes = 0
        try await downloads.run(raw) { index, _ in
            done += 1
            bytes += raw[index].size
            diagnostics.emit(.progress(done: done, total: raw.count, bytes: bytes))
        } handle: { object, result in
            do {
                let profile = try Profile(serialized: try result.get().bytes)
                points.append(ProfileReport.Point(
                    key: object.key, time: object.createdAt.unixMilliseconds, cpuNanoseconds: cpuTotal(profile),
                    durationNanoseconds: profile.durationNanos, build: profile.mainBinary?.description ?? "", bytes: object.size))
            } catch {
                unreadable.append("\(object.key): \(error)")
            }
            return true
        }

        let rollups: [StoredRollup]
        do {
            rollups = try await RollupCatalog.load(from: store, service: options.service, window: options.window, diagnostics: diagnostics)
        } catch {
            unreadable.append("the rollups of '\(options.service)': \(error)")
            rollups = []
        }
        let present = Set(raw.map(\.key))
        let spans = rollups.filter { $0.record.kind == "pprof" }.compactMap { rollup -> ProfileReport.RollupSpan? in
            let missing = rollup.record.covers.filter { !present.contains($0.key) && options.window.contains(milliseconds: $0.milliseconds) }.count
            guard missing > 0 else { return nil }
            return .init(key: rollup.profile.key, from: rollup.record.startMilliseconds, to: rollup.record.endMilliseconds, profiles: missing)
        }

        // What the fetch would do, with its warnings collected for the page as well as passed on.
        let warnings = Locked<[String]>([])
        let forward = diagnostics
        let fetcher = ProfileFetcher(
            options: options, store: store, symbolStore: nil, rollupStore: store, toolVersion: toolVersion, toolchain: toolchain,
            diagnostics: Diagnostics { diagnostic in
                if case .warning(let text) = diagnostic { warnings.withLock { $0.append(text) } }
                forward.emit(diagnostic)
            })
        var fetch = ProfileReport.FetchUse()
        var valueType = "", total: Int64 = 0
        var topFlat: [ProfileReport.Function] = [], topCumulative: [ProfileReport.Function] = []
        do {
            let (manifest, merged) = try await fetcher.preview()
            let summary = manifest.summary
            (fetch.objects, fetch.profiles, fetch.rollups, fetch.bytes, fetch.skipped) =
                (summary.objects, summary.profiles, summary.rollups, summary.bytes, manifest.skipped)
            var used = Set(manifest.objects.map(\.key))
            for rollup in rollups where used.contains(rollup.profile.key) { used.formUnion(rollup.record.covers.map(\.key)) }
            for index in points.indices { points[index].usedByFetch = used.contains(points[index].key) }
            let functions = ProfileSummary(merged, top: .max)
            if functions.totals.indices.contains(functions.selectedType) {
                valueType = functions.sampleTypes[functions.selectedType]
                total = functions.totals[functions.selectedType]
            }
            let all = functions.topFunctions.map { ProfileReport.Function(name: $0.name, flat: $0.flat, cumulative: $0.cumulative) }
            topFlat = Array(all.prefix(topCount))
            topCumulative = Array(all.sorted { ($0.cumulative, $1.name) > ($1.cumulative, $0.name) }.prefix(topCount))
        } catch {
            fetch.failure = "\(error)"
        }
        fetch.warnings = warnings.value.filter { !$0.hasPrefix("skipping ") }

        // The window as shown: where it is open-ended, the profiles' own span.
        let times = points.map(\.time) + spans.flatMap { [$0.from, $0.to] }
        let open = options.window.from <= TimeWindow.all.from || options.window.to >= TimeWindow.all.to
        var from = options.window.from.unixMilliseconds, to = options.window.to.unixMilliseconds
        if open, let first = times.min(), let last = times.max() {
            let margin = max((last - first) / 50, 1000)
            from = max(from, first - margin)
            to = min(to, last + margin)
        }
        return ProfileReport(
            service: options.service, store: store.location, windowDescription: options.windowDescription, selection: options.selection.description,
            tool: "swift-pgo \(toolVersion)", generatedAt: generatedAt.unixMilliseconds, from: from, to: to, points: points, rollupSpans: spans,
            unreadable: unreadable, instrumentedProfiles: listing.profiles.count - raw.count, fetch: fetch, valueType: valueType, total: total,
            topFlat: topFlat, topCumulative: topCumulative)
    }
}
