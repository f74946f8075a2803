import Foundation
import PGOPipeline
import PGOSystem
import Pprof
import ProfileStore

/// The seed's Profiler for Swift services: at every interval it takes a CPU profile of this
/// process for `duration` (or, in instrumented mode, the counters gathered since the last
/// interval) and saves it to the store with its start time, on the same `CollectionLoop` as
/// `pgo collect`.
///
/// It never ends the host: failures arrive on `errors`, a profile the store did not take is
/// kept (up to `maximumPending`) and offered again at the next interval. `run()` returns when
/// its task is cancelled, so it fits swift-service-lifecycle without depending on it.
public final class Profiler: Sendable {
    /// Whether the agent puts this executable's symbol file into the store.
    public enum Symbols: Sendable, Equatable {
        /// Upload `/proc/self/exe` to the store's `buildid/` area when it is not there yet
        /// (once per process, beside profiling), so builds without this binary can symbolize
        /// its profiles. A stripped executable is reported once on `errors`.
        case upload
        /// Do not: symbols come from the release step (`pgo symbols upload`) or debuginfod.
        case none
    }

    public enum Mode: Sendable, Equatable {
        /// In-process CPU sampling (SIGPROF), pprof profiles.
        case cpu
        /// `.profraw` counters of a `-profile-generate` build.
        case instrumented
    }

    public let store: any ProfileStore
    public let service: String
    /// Between profile starts; raised to `duration` when shorter.
    public let interval: Duration
    public let duration: Duration
    public let frequency: Int
    public let mode: Mode
    /// How many unsaved profiles are kept while the store fails; older ones are given up.
    public let maximumPending: Int
    public let symbols: Symbols
    /// Every round or save that failed; the profiler carries on.
    public let errors: AsyncStream<CollectionError>
    private let continuation: AsyncStream<CollectionError>.Continuation
    private let clock: WallClock

    public init(
        store: any ProfileStore, service: String, interval: Duration, duration: Duration, frequency: Int = 100,
        mode: Mode = .cpu, maximumPending: Int = 8, symbols: Symbols = .upload, clock: WallClock = .system
    ) {
        self.symbols = symbols
        self.store = store
        self.service = service
        self.duration = duration
        self.interval = max(interval, duration)
        self.frequency = frequency
        self.mode = mode
        self.maximumPending = max(maximumPending, 1)
        self.clock = clock
        (errors, continuation) = AsyncStream.makeStream(of: CollectionError.self, bufferingPolicy: .bufferingNewest(100))
    }

    deinit { continuation.finish() }

    /// Profiles until the calling task is cancelled (and, with `symbols: .upload`, publishes the
    /// executable's symbol file beside it).
    public func run() async {
        let continuation = self.continuation
        await withTaskGroup(of: Void.self) { group in
            if symbols == .upload, let symbolStore = store as? any SymbolStore, FileInfo.exists("/proc/self/exe") {
                // The running image itself, even if its file has since been replaced by a deploy.
                let publisher = SymbolPublisher(store: symbolStore, executable: "/proc/self/exe", retryInterval: Self.seconds(interval), clock: clock)
                group.addTask { await publisher.run { continuation.yield($0) } }
            }
            group.addTask { await self.profile() }
            await group.waitForAll()
        }
    }

    private func profile() async {
        let continuation = self.continuation
        let diagnostics = Diagnostics { diagnostic in
            if case .collection(.failed(let error)) = diagnostic { continuation.yield(error) }
        }
        let loop = CollectionLoop(
            store: store, service: service, interval: Self.seconds(interval), retainedWhenUnsaved: maximumPending, clock: clock)
        switch mode {
        case .cpu:
            let duration = self.duration, frequency = self.frequency
            await loop.run(diagnostics: diagnostics) { startedAt in
                let profile = try await CPUProfile.capture(duration: duration, frequency: frequency)
                return CapturedProfile(bytes: profile.serialized(), createdAt: startedAt, startedAt: startedAt)
            }
        case .instrumented:
            // Counters cover the time since the last write: each round waits an interval first.
            // Counters since the last round would otherwise go only to the runtime's own
            // exit-time file: the final capture takes them too.
            let interval = Self.seconds(interval), clock = self.clock
            await loop.run(diagnostics: diagnostics) { startedAt in
                try await clock.sleep(interval)
                return CapturedProfile(bytes: try InstrumentedProfile.takeCounters(), createdAt: startedAt, startedAt: startedAt)
            } finalCapture: {
                guard InstrumentedProfile.isAvailable, let counters = try? InstrumentedProfile.takeCounters() else { return nil }
                let now = clock.now()
                return CapturedProfile(bytes: counters, createdAt: now, startedAt: now)
            }
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
