import Foundation
import PGOSystem
import ProfileStore

/// A profile taken by a collection round, ready to save.
public struct CapturedProfile: Sendable {
    public var bytes: [UInt8]
    /// The time it is saved under.
    public var createdAt: Date
    /// When its round started.
    public var startedAt: Date

    public init(bytes: [UInt8], createdAt: Date, startedAt: Date) {
        self.bytes = bytes
        self.createdAt = createdAt
        self.startedAt = startedAt
    }
}

/// The seed's Profiler schedule, once: at every interval take a profile and save it. Used by
/// `pgo collect` (profiles pulled from a Go service) and by the agent (profiles of its own
/// process), each giving its own capture; the clock is handed in, so tests need not wait.
///
/// Every failure (a capture, a save) is reported and the loop carries on at the next interval;
/// none of them ends it. After an overrun it starts at once rather than catch up in a burst.
/// Saves run in tasks of their own: a cancellation that arrives while one runs does not cut it
/// in half, and cancellation during a capture drops that profile.
public struct CollectionLoop: Sendable {
    /// Takes one profile, for the round that started at the given time. Throws `CollectionError`
    /// for a failed round, anything else (`CancellationError`) to stop.
    public typealias Capture = @Sendable (_ startedAt: Date) async throws -> CapturedProfile

    public let store: any ProfileStore
    public let service: String
    /// Between round starts.
    public let interval: TimeInterval
    /// How many unsaved profiles are kept while the store fails, to be offered again at the next
    /// round (older ones are given up); 0 keeps none.
    public let retainedWhenUnsaved: Int
    public let clock: WallClock

    public init(store: any ProfileStore, service: String, interval: TimeInterval, retainedWhenUnsaved: Int = 0, clock: WallClock) {
        self.store = store
        self.service = service
        self.interval = interval
        self.retainedWhenUnsaved = max(retainedWhenUnsaved, 0)
        self.clock = clock
    }

    /// Runs rounds until the calling task is cancelled or `maxProfiles` profiles are saved.
    /// `finalCapture` runs once after the last round (the agent's last instrumented counters);
    /// whatever is unsaved then gets one last save.
    @discardableResult
    public func run(
        maxProfiles: Int? = nil, diagnostics: Diagnostics, capture: Capture, finalCapture: (@Sendable () -> CapturedProfile?)? = nil
    ) async -> CollectionSummary {
        var summary = CollectionSummary()
        var pending: [CapturedProfile] = []
        var tick = clock.now()
        while !Task.isCancelled {
            if let maxProfiles, summary.saved >= maxProfiles { break }
            let startedAt = clock.now()
            diagnostics.emit(.collection(.started(at: startedAt)))
            do {
                pending.append(try await capture(startedAt))
            } catch let failure as CollectionError {
                summary.failures += 1
                diagnostics.emit(.collection(.failed(failure)))
            } catch {
                break  // cancelled while capturing: nothing saved
            }
            if retainedWhenUnsaved > 0, pending.count > retainedWhenUnsaved {
                diagnostics.emit(.collection(.failed(CollectionError(
                    stage: .discard, at: clock.now(),
                    message: "the store has failed for \(pending.count) profiles: giving up the oldest, of \(formatTimestamp(pending[0].createdAt))"))))
                pending.removeFirst(pending.count - retainedWhenUnsaved)
            }
            pending = await save(pending, summary: &summary, diagnostics: diagnostics)
            if let maxProfiles, summary.saved >= maxProfiles { break }
            // The next start is one interval after this one's scheduled start; after an overrun,
            // start at once (and count intervals from then).
            let current = clock.now()
            tick = tick.addingTimeInterval(interval)
            if tick <= current {
                tick = current
                continue
            }
            do { try await clock.sleep(tick.timeIntervalSince(current)) } catch { break }
        }
        if let last = finalCapture?() { pending.append(last) }
        if !pending.isEmpty { _ = await save(pending, summary: &summary, diagnostics: diagnostics) }
        summary.cancelled = Task.isCancelled
        diagnostics.emit(.collection(.stopped(summary)))
        return summary
    }

    /// Saves oldest first; returns what is kept for the next round (from the first failure on,
    /// when profiles are retained).
    private func save(_ pending: [CapturedProfile], summary: inout CollectionSummary, diagnostics: Diagnostics) async -> [CapturedProfile] {
        for (index, item) in pending.enumerated() {
            let store = self.store, service = self.service
            let result = await Task { try await store.save(item.bytes, service: service, createdAt: item.createdAt) }.result
            switch result {
            case .success(let stored):
                summary.saved += 1
                diagnostics.emit(.collection(.saved(stored, startedAt: item.startedAt, at: clock.now())))
            case .failure(let error):
                summary.failures += 1
                let kept = retainedWhenUnsaved > 0
                diagnostics.emit(.collection(.failed(CollectionError(
                    stage: .save, at: clock.now(),
                    message: "\(store.location): \(HTTPGet.describe(error))" + (kept ? " (kept; retried at the next interval)" : "")))))
                return kept ? Array(pending[index...]) : []
            }
        }
        return []
    }
}

/// What happens while collecting, in order.
public enum CollectionEvent: Sendable {
    /// The interval was shorter than the duration, so it was raised to the duration.
    case intervalRaised(requested: TimeInterval, effective: TimeInterval)
    /// A round started.
    case started(at: Date)
    /// A profile was saved.
    case saved(StoredProfile, startedAt: Date, at: Date)
    /// A round, or a save, failed; the next round is at the next interval.
    case failed(CollectionError)
    /// `run` is returning.
    case stopped(CollectionSummary)
}

public struct CollectionSummary: Sendable, Equatable {
    public var saved = 0
    public var failures = 0
    /// Whether the run stopped because its task was cancelled (rather than reaching its count).
    public var cancelled = false
    public init() {}
}

/// One round, or one save, that did not put a profile in the store.
public struct CollectionError: Error, Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        /// Pulling a profile from a service.
        case fetch
        /// The bytes pulled are not a valid profile.
        case validate
        /// Taking a CPU profile of this process.
        case capture
        /// Writing the counters of an instrumented binary.
        case instrumentation
        /// Saving to the store.
        case save
        /// A kept profile was given up to bound memory while the store was failing.
        case discard
        /// Uploading the executable's symbol file (the agent).
        case symbols
    }
    public var stage: Stage
    /// When it happened.
    public var at: Date
    public var message: String

    public init(stage: Stage, at: Date = Date(), message: String) {
        self.stage = stage
        self.at = at
        self.message = message
    }

    public var description: String {
        switch stage {
        case .fetch: "cannot fetch profile: \(message)"
        case .validate: "not saving: \(message)"
        case .save: "cannot save profile: \(message)"
        case .symbols: "cannot upload symbols: \(message)"
        case .capture, .instrumentation, .discard: "\(stage.rawValue): \(message)"
        }
    }
}
