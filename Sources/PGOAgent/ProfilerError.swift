import Foundation

/// Something the profiler could not do this round; it carries on at the next interval.
public struct ProfilerError: Error, Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        /// Taking a CPU profile.
        case capture
        /// Writing the counters of an instrumented binary.
        case instrumentation
        /// Saving to the store (the profile is kept and retried).
        case save
        /// A kept profile was given up to bound memory while the store was failing.
        case discard
    }
    public var stage: Stage
    public var message: String
    public var at: Date

    public init(stage: Stage, message: String, at: Date = Date()) {
        self.stage = stage
        self.message = message
        self.at = at
    }

    public var description: String { "\(stage.rawValue): \(message)" }
}
