import Foundation

/// Runs `body`, or throws `timeout` when it has not finished within `seconds`. `body` is
/// cancelled then; the call returns once it has stopped, so `body` must answer cancellation
/// (downloads do: see HTTPTransfer).
public func withDeadline<T: Sendable>(
    seconds: TimeInterval, clock: WallClock = .system, timeout: @autoclosure @escaping @Sendable () -> any Error,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(seconds)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw timeout() }
        return value
    }
}
