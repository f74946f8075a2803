/// How profiles are combined.
public struct MergeOptions: Hashable, Sendable {
    /// Scale sample counts of inputs taken at a different sampling period to the merged
    /// profile's period (the largest input period), so that every count stands for the same
    /// amount of CPU time.
    ///
    /// Off by default, like `go tool pprof`, which sums counts as they are: a profile taken at
    /// 500 Hz then weighs five times as much as one taken at 100 Hz over the same time.
    /// Only values whose unit is `count` are scaled; values already measured in the period's
    /// unit (such as `cpu/nanoseconds`) are right as they are.
    public var rescalesToCommonPeriod: Bool

    public init(rescalesToCommonPeriod: Bool = false) {
        self.rescalesToCommonPeriod = rescalesToCommonPeriod
    }
}

/// Inputs that cannot be merged with each other.
public struct MergeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input that did not fit.
    public var source: String
    public var problem: String
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }
    public var description: String { "\(source): \(problem)" }
}

/// Why a serialized input could not be added: it is not a valid profile, or it does not fit
/// the inputs before it.
public enum SerializedMergeError: Error, Sendable, CustomStringConvertible {
    case decoding(ProfileDecodingError)
    case merge(MergeError)
    public var description: String {
        switch self {
        case .decoding(let error): error.description
        case .merge(let error): error.description
        }
    }
}
