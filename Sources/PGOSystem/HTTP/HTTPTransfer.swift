import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request with a limit on the whole of it, that its caller can stop waiting for.
///
/// swift-corelibs-foundation (Swift 6.3.1) can deadlock when a `URLSessionTask` is cancelled
/// while its completion runs: `cancel()` waits on the session's queue while the completion, on
/// that queue, waits for the task's lock. `session.data(for:)` cancels its task whenever the
/// calling Swift task is cancelled, so a task group that cancels its other downloads after one
/// fails could hang a build forever. So the task is never cancelled from here: the caller stops
/// waiting (on cancellation, or when `timeout` passes) and the abandoned task ends on its own,
/// bounded by the session's resource timeout. And `timeout` covers the whole request, so a body
/// trickled a byte at a time cannot keep a build waiting as an idle timeout would.
public enum HTTPTransfer {
    /// Sends `request` and returns the body and response; throws `URLError(.timedOut)` after
    /// `timeout` seconds, `CancellationError` when the calling task is cancelled, or the
    /// transport's error.
    public static func send(_ request: URLRequest, on session: URLSession, timeout: TimeInterval) async throws -> (Data, URLResponse) {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                guard waiter.attach(continuation) else { return }
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        waiter.finish(.failure(error))
                    } else if let response {
                        waiter.finish(.success((data ?? Data(), response)))
                    } else {
                        waiter.finish(.failure(URLError(.badServerResponse)))
                    }
                }
                task.resume()
                let limit = max(timeout, 0.001)
                DispatchQueue.global().asyncAfter(deadline: .now() + limit) { waiter.finish(.failure(URLError(.timedOut))) }
            }
        } onCancel: {
            waiter.finish(.failure(CancellationError()))
        }
    }

    /// Resumes the caller exactly once, with whichever outcome comes first; an outcome that comes
    /// before the caller is waiting (a cancellation) is kept for it.
    private final class Waiter: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<(Data, URLResponse), any Error>)
            case finished(Result<(Data, URLResponse), any Error>)
            case done
        }
        private let state = Locked<State>(.idle)

        /// Starts waiting; false when an outcome is already there (the caller has been resumed).
        func attach(_ continuation: CheckedContinuation<(Data, URLResponse), any Error>) -> Bool {
            let early: Result<(Data, URLResponse), any Error>? = state.withLock { state in
                if case .finished(let result) = state {
                    state = .done
                    return result
                }
                state = .waiting(continuation)
                return nil
            }
            guard let early else { return true }
            continuation.resume(with: early)
            return false
        }

        func finish(_ result: Result<(Data, URLResponse), any Error>) {
            let continuation: CheckedContinuation<(Data, URLResponse), any Error>? = state.withLock { state in
                switch state {
                case .idle:
                    state = .finished(result)
                    return nil
                case .waiting(let continuation):
                    state = .done
                    return continuation
                case .finished, .done:
                    return nil
                }
            }
            continuation?.resume(with: result)
        }
    }
}
