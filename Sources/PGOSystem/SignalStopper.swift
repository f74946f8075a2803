import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a callback (which cancels the collector's task) instead of
/// the default of dying on the spot; `stop()` puts the previous dispositions back.
public final class SignalStopper: Sendable {
    private let installed: Locked<(sources: [DispatchSourceSignal], previous: [(Int32, sighandler_t?)])>

    public init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        var sources: [DispatchSourceSignal] = []
        var previous: [(Int32, sighandler_t?)] = []
        for signo in signals {
            // Ignore the default action, so the process lives on to stop cleanly; the dispatch
            // source still sees each signal.
            previous.append((signo, signal(signo, SIG_IGN)))
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { handler(signo) }
            source.resume()
            sources.append(source)
        }
        installed = Locked((sources, previous))
    }

    public func stop() {
        installed.withLock { installed in
            for source in installed.sources { source.cancel() }
            for (signo, handler) in installed.previous { signal(signo, handler) }
            installed = ([], [])
        }
    }
}
