/// The profile summary LLVM stores with a binary sample profile: the compiler derives its hot
/// and cold count thresholds from the detailed entries, so they must be computed exactly as
/// llvm-profdata computes them (ProfileSummaryBuilder over the body samples of every function
/// and inlinee).
public struct SampleProfileSummary: Equatable, Sendable {
    /// One cutoff: the `numCounts` hottest body counts, all at least `minCount`, add up to at
    /// least `cutoff` millionths of the total.
    public struct Entry: Equatable, Sendable {
        public var cutoff: UInt64
        public var minCount: UInt64
        public var numCounts: UInt64
        public init(cutoff: UInt64, minCount: UInt64, numCounts: UInt64) {
            self.cutoff = cutoff
            self.minCount = minCount
            self.numCounts = numCounts
        }
    }

    /// The cutoffs llvm-profdata uses, in millionths (`ProfileSummary::Scale`).
    public static let defaultCutoffs: [UInt64] = [
        10_000, 100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000,
        950_000, 990_000, 999_000, 999_900, 999_990, 999_999,
    ]
    static let scale: UInt64 = 1_000_000

    public var totalCount: UInt64 = 0
    public var maxCount: UInt64 = 0
    /// The largest head-sample count of a top-level function.
    public var maxFunctionCount: UInt64 = 0
    public var numCounts: UInt64 = 0
    public var numFunctions: UInt64 = 0
    public var detailed: [Entry] = []

    public init(totalCount: UInt64 = 0, maxCount: UInt64 = 0, maxFunctionCount: UInt64 = 0, numCounts: UInt64 = 0,
                numFunctions: UInt64 = 0, detailed: [Entry] = []) {
        self.totalCount = totalCount
        self.maxCount = maxCount
        self.maxFunctionCount = maxFunctionCount
        self.numCounts = numCounts
        self.numFunctions = numFunctions
        self.detailed = detailed
    }

    /// The summary of `profile` for the given cutoffs. Counts add with wrap-around, as
    /// LLVM's unsigned arithmetic does; callers check totals for overflow before writing.
    public init(of profile: SampleProfile, cutoffs: [UInt64] = defaultCutoffs) {
        var frequencies: [UInt64: UInt64] = [:]
        func add(_ function: FunctionSamples) {
            for count in function.bodySamples.values {
                totalCount &+= count
                maxCount = max(maxCount, count)
                numCounts += 1
                frequencies[count, default: 0] += 1
            }
            for inlinees in function.inlinees.values {
                for inlinee in inlinees.values { add(inlinee) }
            }
        }
        for function in profile.functions.values {
            numFunctions += 1
            maxFunctionCount = max(maxFunctionCount, function.headSamples)
            add(function)
        }
        // Walk the counts hottest first until each cutoff's share of the total is reached.
        let descending = frequencies.sorted { $0.key > $1.key }
        var next = 0
        var sum: UInt64 = 0
        var seen: UInt64 = 0
        var count: UInt64 = 0
        for cutoff in cutoffs.sorted() {
            let product = totalCount.multipliedFullWidth(by: min(cutoff, Self.scale - 1))
            let desired = Self.scale.dividingFullWidth(product).quotient
            while sum < desired, next < descending.count {
                count = descending[next].key
                sum &+= count &* descending[next].value
                seen += descending[next].value
                next += 1
            }
            detailed.append(Entry(cutoff: cutoff, minCount: count, numCounts: seen))
        }
    }
}
