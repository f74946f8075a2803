import Foundation

/// What `pgo report` shows of a service's window: every profile's CPU over time, the gaps and
/// outliers in it, the builds present, the merged profile's top functions and what a fetch with
/// the same settings would use. Values only: `ProfileReporter` gathers them, `ReportPage`
/// renders them, and the analysis here is pure so that tests can hand it any timeline.
public struct ProfileReport: Sendable, Equatable {
    /// One raw pprof profile of the window.
    public struct Point: Sendable, Equatable {
        public var key: String
        /// Unix milliseconds, from the key.
        public var time: Int64
        public var cpuNanoseconds: Int64
        public var durationNanoseconds: Int64
        /// The profiled executable (`BinaryIdentity`'s text), "" when the profile has no mappings.
        public var build: String
        public var bytes: Int
        /// Whether a fetch with the report's settings merges it (itself, or in a rollup it uses).
        public var usedByFetch = false

        public init(key: String, time: Int64, cpuNanoseconds: Int64, durationNanoseconds: Int64, build: String, bytes: Int) {
            (self.key, self.time, self.cpuNanoseconds, self.durationNanoseconds, self.build, self.bytes) =
                (key, time, cpuNanoseconds, durationNanoseconds, build, bytes)
        }
    }

    /// A stretch of the window with no profiles, much longer than the usual interval.
    public struct Gap: Sendable, Equatable {
        public var from: Int64
        public var to: Int64
    }

    /// One build (main executable) and how much of the window it covers.
    public struct Build: Sendable, Equatable {
        public var id: String
        public var profiles: Int
        public var cpuNanoseconds: Int64
        public var first: Int64
        public var last: Int64
        /// The share of the shown time range from its first profile to its last (with one
        /// profile: that profile's duration).
        public var coverage: Double
    }

    /// A function of the merged profile, by its own samples (flat) and with its callees (cumulative).
    public struct Function: Sendable, Equatable {
        public var name: String
        public var flat: Int64
        public var cumulative: Int64
    }

    /// A period a rollup holds whose raw profiles are gone (`pgo compact --delete-raw`): its CPU
    /// is in the merge, but not in the timeline's points.
    public struct RollupSpan: Sendable, Equatable {
        public var key: String
        public var from: Int64
        public var to: Int64
        public var profiles: Int
    }

    /// What `pgo fetch` with the same store, service, window and selection would do.
    public struct FetchUse: Sendable, Equatable {
        /// Nil when the fetch would produce a profile; else why it would build without one.
        public var failure: String?
        public var objects = 0
        public var profiles = 0
        public var rollups = 0
        public var bytes = 0
        public var skipped: [String] = []
        public var warnings: [String] = []

        public init(failure: String? = nil) { self.failure = failure }
    }

    public var service: String
    public var store: String
    public var windowDescription: String
    public var selection: String
    public var tool: String
    public var generatedAt: Int64
    /// The time range the timeline shows: the window, narrowed to the profiles' times where the
    /// window is open-ended.
    public var from: Int64
    public var to: Int64
    public var points: [Point]
    public var rollupSpans: [RollupSpan]
    /// Raw objects of the window that could not be read, with why.
    public var unreadable: [String]
    public var instrumentedProfiles: Int
    public var fetch: FetchUse
    /// The merged profile's sample type the functions are measured in, and its total.
    public var valueType: String
    public var total: Int64
    public var topFlat: [Function]
    public var topCumulative: [Function]

    public init(
        service: String, store: String, windowDescription: String, selection: String, tool: String, generatedAt: Int64,
        from: Int64, to: Int64, points: [Point], rollupSpans: [RollupSpan] = [], unreadable: [String] = [], instrumentedProfiles: Int = 0,
        fetch: FetchUse, valueType: String = "", total: Int64 = 0, topFlat: [Function] = [], topCumulative: [Function] = []
    ) {
        self.service = service
        self.store = store
        self.windowDescription = windowDescription
        self.selection = selection
        self.tool = tool
        self.generatedAt = generatedAt
        self.from = from
        self.to = to
        self.points = points.sorted { ($0.time, $0.key) < ($1.time, $1.key) }
        self.rollupSpans = rollupSpans
        self.unreadable = unreadable
        self.instrumentedProfiles = instrumentedProfiles
        self.fetch = fetch
        self.valueType = valueType
        self.total = total
        self.topFlat = topFlat
        self.topCumulative = topCumulative
    }

    // MARK: Analysis

    /// Whether the timeline's values are cores (CPU per second of profile) or CPU seconds: cores
    /// when every profile says how long it ran, so that profiles of different lengths compare.
    public var valuesAreCores: Bool { !points.isEmpty && points.allSatisfy { $0.durationNanoseconds > 0 } }

    /// Each point's value on the timeline (see `valuesAreCores`).
    public var values: [Double] {
        let cores = valuesAreCores
        return points.map { cores ? Double($0.cpuNanoseconds) / Double($0.durationNanoseconds) : Double($0.cpuNanoseconds) / 1e9 }
    }

    /// The points whose values stand out (indexes into `points`).
    public var outliers: [Int] { Self.outliers(values) }

    /// The stretches without profiles.
    public var gaps: [Gap] { Self.gaps(times: points.map(\.time), from: from, to: to) }

    /// The builds present, most profiles first.
    public var builds: [Build] { Self.builds(points, from: from, to: to) }

    /// Values far from the rest: a modified z-score (distance from the median in median absolute
    /// deviations, scaled to a normal's standard deviation) over 3.5, Iglewicz and Hoaglin's cut;
    /// when over half the values are equal (no deviation to scale by), any value off the median by
    /// more than half of it. A profile with no CPU at all is always one.
    public static func outliers(_ values: [Double]) -> [Int] {
        guard values.count >= 3 else { return values.indices.filter { values[$0] == 0 && values.contains { $0 > 0 } } }
        let median = Self.median(values)
        let deviation = Self.median(values.map { abs($0 - median) })
        return values.indices.filter { index in
            let value = values[index]
            if value == 0 { return median > 0 }
            if deviation > 0 { return 0.6745 * abs(value - median) / deviation > 3.5 }
            return abs(value - median) > median / 2
        }
    }

    /// Stretches of `from...to` without a time in `times` that are over three times the usual
    /// interval (the median between neighbours) and over a second: a collector that stopped, a
    /// service that was down. The edges count: a window that starts long before its first profile
    /// shows that. Fewer than three distinct times give no usual interval and no gaps.
    public static func gaps(times: [Int64], from: Int64, to: Int64) -> [Gap] {
        let sorted = Set(times).sorted()
        guard sorted.count >= 3 else { return [] }
        let intervals = zip(sorted, sorted.dropFirst()).map { Double($1 - $0) }
        let limit = max(3 * Self.median(intervals), 1000)
        var gaps: [Gap] = []
        let bounds = [min(from, sorted[0])] + sorted + [max(to, sorted[sorted.count - 1])]
        for (start, end) in zip(bounds, bounds.dropFirst()) where Double(end - start) > limit {
            gaps.append(Gap(from: start, to: end))
        }
        return gaps
    }

    /// The points grouped by build, each with its share of `from...to`.
    public static func builds(_ points: [Point], from: Int64, to: Int64) -> [Build] {
        let span = Double(max(to - from, 1))
        var byID: [String: Build] = [:]
        var order: [String] = []
        for point in points {
            if byID[point.build] == nil {
                order.append(point.build)
                byID[point.build] = Build(id: point.build, profiles: 0, cpuNanoseconds: 0, first: point.time, last: point.time, coverage: 0)
            }
            byID[point.build]!.profiles += 1
            byID[point.build]!.cpuNanoseconds &+= point.cpuNanoseconds
            byID[point.build]!.first = min(byID[point.build]!.first, point.time)
            byID[point.build]!.last = max(byID[point.build]!.last, point.time + point.durationNanoseconds / 1_000_000)
        }
        return order.map { id in
            var build = byID[id]!
            build.coverage = min(Double(max(build.last - build.first, 0)) / span, 1)
            return build
        }.sorted { ($0.profiles, $1.id) > ($1.profiles, $0.id) }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
