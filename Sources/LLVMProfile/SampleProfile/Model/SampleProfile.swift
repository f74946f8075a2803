/// An LLVM sample profile (the input of `-profile-sample-use` / `-fprofile-sample-use`), as values.
///
/// Each top-level function has body samples keyed by line offset from the function's start
/// line (and discriminator), call targets at those lines, and inlined callsites that nest the
/// same structure for the functions inlined there.
public struct SampleProfile: Equatable, Sendable {
    public var functions: [String: FunctionSamples] = [:]
    public init() {}

    /// Whether LLVM's sample profile formats can carry `name`: the text form separates call
    /// targets by spaces and records by lines, so a name with white space or control characters
    /// (perf's demangled C++ frames, `swift::RefCounts<…>::incrementSlow(…)`) cannot be written.
    public static func canCarry(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }
    }
}

/// A line inside a function: offset from the function's start line, and discriminator.
public struct LineLocation: Hashable, Comparable, Sendable {
    public var offset: Int
    public var discriminator: Int
    public init(offset: Int, discriminator: Int = 0) {
        self.offset = offset
        self.discriminator = discriminator
    }
    public static func < (a: LineLocation, b: LineLocation) -> Bool {
        (a.offset, a.discriminator) < (b.offset, b.discriminator)
    }
    var text: String { discriminator == 0 ? "\(offset)" : "\(offset).\(discriminator)" }
}

public struct FunctionSamples: Equatable, Sendable {
    public var name: String
    /// How often the function was entered (top-level functions only).
    public var headSamples: UInt64 = 0
    public var bodySamples: [LineLocation: UInt64] = [:]
    /// Calls made at a line, by callee linkage name.
    public var callTargets: [LineLocation: [String: UInt64]] = [:]
    /// Functions inlined at a line, by callee name.
    public var inlinees: [LineLocation: [String: FunctionSamples]] = [:]

    public init(name: String) { self.name = name }

    /// All samples in the function and what was inlined into it.
    public var totalSamples: UInt64 {
        let body = bodySamples.values.reduce(0, saturatingSum)
        return inlinees.values.flatMap(\.values).reduce(body) { saturatingSum($0, $1.totalSamples) }
    }
}

/// Counts add up without trapping: a crafted input whose counts exceed 64 bits stops at the
/// maximum instead of crashing the tool (no real profile comes near it).
func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
}

extension Dictionary where Value == UInt64 {
    /// Adds `count` to the value at `key` (0 when absent), saturating.
    mutating func add(_ count: UInt64, at key: Key) {
        self[key] = saturatingSum(self[key] ?? 0, count)
    }
}
