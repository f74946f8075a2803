import Foundation

/// The time and waiting, handed to loops that run on a schedule, so tests can drive them with a
/// clock of their own instead of waiting for real time to pass.
public struct WallClock: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date
    /// Waits `seconds`; throws `CancellationError` at once when the calling task is cancelled.
    public var sleep: @Sendable (_ seconds: TimeInterval) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (_ seconds: TimeInterval) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The system's clock, waiting with `Task.sleep`.
    public static let system = WallClock(now: { Date() }, sleep: { seconds in
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 1e9) * 1e9))
    })
}

/// Seconds as the shortest duration text: 90 → "1m30s", 30 → "30s", 0.5 → "0.5s".
public func formatSeconds(_ seconds: TimeInterval) -> String {
    guard seconds.isFinite, seconds >= 1, seconds == seconds.rounded() else {
        return String(format: "%gs", seconds)
    }
    var rest = Int(seconds)
    var text = ""
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
        text += "\(rest / size)\(unit)"
        rest %= size
    }
    return text
}
