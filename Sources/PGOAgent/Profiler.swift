import Foundation
import Pprof
import ProfileStore

/// The seed's Profiler for Swift services: at every interval it takes a CPU profile of this
/// process for `duration` (or, in instrumented mode, the counters gathered since the last
/// interval) and saves it to the store with its start time.
///
/// It never ends the host: failures arrive on `errors`, a profile the store did not take is
/// kept (up to `maximumPending`) and offered again at the next interval. `run()` returns when
/// its task is cancelled, so it fits swift-service-lifecycle without depending on it.
public final class Profiler: Sendable {
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
    public let errors: AsyncStream<ProfilerError>
    private let continuation: AsyncStream<ProfilerError>.Continuation

    public init(
        store: any ProfileStore, service: String, interval: Duration, duration: Duration, frequency: Int = 100,
        mode: Mode = .cpu, maximumPending: Int = 8
    ) {
        self.store = store
        self.service = service
        self.duration = duration
        self.interval = max(interval, duration)
        self.frequency = frequency
        self.mode = mode
        self.maximumPending = max(maximumPending, 1)
        (errors, continuation) = AsyncStream.makeStream(of: ProfilerError.self, bufferingPolicy: .bufferingNewest(100))
    }

    deinit { continuation.finish() }

    /// Profiles until the calling task is cancelled.
    public func run() async {
        var pending: [(bytes: [UInt8], createdAt: Date)] = []
        let clock = ContinuousClock()
        var tick = clock.now
        while !Task.isCancelled {
            let startedAt = Date()
            do {
                switch mode {
                case .cpu:
                    let profile = try await CPUProfile.capture(duration: duration, frequency: frequency)
                    pending.append((profile.serialized(), startedAt))
                case .instrumented:
                    // Counters cover the time since the last write: wait an interval first.
                    try await Task.sleep(until: tick + interval, clock: clock)
                    tick = clock.now
                    pending.append((try InstrumentedProfile.takeCounters(), startedAt))
                }
            } catch let error as ProfilerError {
                continuation.yield(error)
            } catch {
                break  // cancelled
            }
            if pending.count > maximumPending {
                continuation.yield(ProfilerError(stage: .discard, message: "the store has failed for \(pending.count) profiles: giving up the oldest, of \(formatTimestamp(pending[0].createdAt))"))
                pending.removeFirst(pending.count - maximumPending)
            }
            pending = await save(pending)
            guard mode == .cpu else { continue }
            // The next start is an interval after this one's; after an overrun, start at once.
            tick = tick + interval
            if tick <= clock.now {
                tick = clock.now
                continue
            }
            do { try await Task.sleep(until: tick, clock: clock) } catch { break }
        }
        // Instrumented counters since the last interval would otherwise go only to the runtime's
        // own exit-time file: take them too.
        if mode == .instrumented, InstrumentedProfile.isAvailable, let counters = try? InstrumentedProfile.takeCounters() {
            pending.append((counters, Date()))
        }
        // A last attempt for what the store has not taken yet: profiles are not lost on shutdown if it can help it.
        _ = await save(pending)
    }

    /// Saves oldest first; returns what is still unsaved (from the first failure on). Saves run
    /// in tasks of their own, so a cancellation arriving now does not cut an upload in half.
    private func save(_ pending: [(bytes: [UInt8], createdAt: Date)]) async -> [(bytes: [UInt8], createdAt: Date)] {
        for (index, item) in pending.enumerated() {
            let store = self.store, service = self.service
            let result = await Task { try await store.save(item.bytes, service: service, createdAt: item.createdAt) }.result
            if case .failure(let error) = result {
                continuation.yield(ProfilerError(stage: .save, message: "\(store.location): \(error) (kept; retried at the next interval)"))
                return Array(pending[index...])
            }
        }
        return []
    }
}
