import Foundation
import PGOSystem
import Pprof
import ProfileStore

/// Takes a CPU profile from a Go service's `net/http/pprof` endpoint at every interval and saves
/// it to a store: `pgo collect`, on the shared `CollectionLoop`.
///
/// Every failure (HTTP error, refused connection, bytes that are not a valid pprof profile, a
/// store that throws) is reported and retried at the next interval; none of them ends the loop.
/// Only valid, complete profiles are saved. Cancelling the task that runs `run` stops it: a
/// profile still being downloaded is dropped, one whose bytes are complete is saved whole.
public struct ProfileCollector: Sendable {
    /// Downloads `url` within `timeout` seconds, returning the body; throws on anything but a
    /// complete 2xx response, and promptly when its task is cancelled.
    public typealias Fetch = @Sendable (_ url: URL, _ timeout: TimeInterval) async throws -> [UInt8]

    public let store: any ProfileStore
    public let service: String
    /// The endpoint as given, e.g. http://host:6060/debug/pprof/profile.
    public let source: URL
    /// What is fetched: `source` with `seconds=N`.
    public let profileURL: URL
    /// The profile length in whole seconds (at least 1).
    public let duration: TimeInterval
    /// The interval between profile starts; never shorter than `duration`.
    public let interval: TimeInterval
    /// The interval asked for, when it was shorter than the duration and so raised to it.
    public let requestedInterval: TimeInterval
    /// The limit for each HTTP request: by default the duration plus 30 seconds.
    public let timeout: TimeInterval

    let fetch: Fetch
    let clock: WallClock

    public var intervalWasRaised: Bool { interval != requestedInterval }

    public init(
        store: any ProfileStore, service: String, source: URL, interval: TimeInterval, duration: TimeInterval,
        timeout: TimeInterval? = nil, fetch: @escaping Fetch, clock: WallClock
    ) {
        self.store = store
        self.service = service
        self.source = source
        let seconds = Self.wholeSeconds(duration)
        self.duration = TimeInterval(seconds)
        self.requestedInterval = interval
        self.interval = max(interval, self.duration)
        self.timeout = timeout ?? self.duration + 30
        self.profileURL = Self.profileURL(source, seconds: seconds)
        self.fetch = fetch
        self.clock = clock
    }

    /// A duration as the whole seconds `net/http/pprof` takes: rounded, at least 1.
    public static func wholeSeconds(_ duration: TimeInterval) -> Int {
        guard duration.isFinite else { return 1 }
        return max(1, Int(min(duration.rounded(), 1e9)))
    }

    /// `source` with its `seconds` query parameter set (replaced if present).
    public static func profileURL(_ source: URL, seconds: Int) -> URL {
        guard var components = URLComponents(url: source, resolvingAgainstBaseURL: false) else { return source }
        var items = (components.queryItems ?? []).filter { $0.name != "seconds" }
        items.append(URLQueryItem(name: "seconds", value: String(seconds)))
        components.queryItems = items
        return components.url ?? source
    }

    /// Collects until the calling task is cancelled or `maxProfiles` profiles are saved.
    /// Never throws: every failure goes to `diagnostics` and is retried at the next interval.
    @discardableResult
    public func run(maxProfiles: Int? = nil, diagnostics: Diagnostics) async -> CollectionSummary {
        if intervalWasRaised {
            diagnostics.emit(.collection(.intervalRaised(requested: requestedInterval, effective: interval)))
        }
        let loop = CollectionLoop(store: store, service: service, interval: interval, clock: clock)
        return await loop.run(maxProfiles: maxProfiles, diagnostics: diagnostics) { startedAt in
            try await collectOne(startedAt: startedAt)
        }
    }

    /// Fetches and validates one profile. Throws `CollectionError`, or `CancellationError` when
    /// cancelled before the bytes were complete.
    func collectOne(startedAt: Date) async throws -> CapturedProfile {
        let bytes: [UInt8]
        do {
            bytes = try await fetch(profileURL, timeout)
        } catch {
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            throw CollectionError(stage: .fetch, at: clock.now(), message: "\(profileURL.absoluteString): \(HTTPGet.describe(error))")
        }
        let profile: Profile
        do {
            profile = try Profile(serialized: bytes)
        } catch {
            throw CollectionError(
                stage: .validate, at: clock.now(),
                message: "\(profileURL.absoluteString) sent \(bytes.count) bytes that are not a valid pprof profile: \(error)")
        }
        let createdAt = profile.timeNanos > 0 ? Date(timeIntervalSince1970: Double(profile.timeNanos) / 1e9) : startedAt
        return CapturedProfile(bytes: Gzip.compressedIfNeeded(bytes), createdAt: createdAt, startedAt: startedAt)
    }
}
