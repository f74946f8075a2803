/// Cancels something that may not exist yet: a request to cancel can come before or after the
/// thing (a task, a URL session task) is attached, and cancels it either way, exactly once it
/// exists. The one such hand-off of the package (the collector's stop and HTTP requests use it).
public final class CancellationLatch<Target: Sendable>: Sendable {
    private let state = Locked<(target: Target?, requested: Bool)>((nil, false))
    private let cancel: @Sendable (Target) -> Void

    public init(cancel: @escaping @Sendable (Target) -> Void) { self.cancel = cancel }

    /// Hands over the target; cancels it at once if cancellation was already requested.
    public func attach(_ target: Target) {
        let cancelNow = state.withLock { state in
            state.target = target
            return state.requested
        }
        if cancelNow { cancel(target) }
    }

    /// Requests cancellation: of the target if attached, else of the one attached later.
    public func request() {
        let target = state.withLock { state in
            state.requested = true
            return state.target
        }
        if let target { cancel(target) }
    }
}
