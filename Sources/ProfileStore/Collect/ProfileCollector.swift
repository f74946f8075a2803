import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Pprof

/// Takes a CPU profile from a Go service's `net/http/pprof` endpoint at every interval and saves
/// it to a store: the loop behind `pgo collect`.
///
/// Every failure (HTTP error, refused connection, bytes that are not a valid pprof profile, a
/// store that throws) is reported and retried at the next interval; none of them ends the loop.
/// Only valid, complete profiles are saved. Cancelling the task that runs `run` stops it: a
/// profile still being downloaded is dropped, one whose bytes are complete is saved whole.
public struct ProfileCollector: Sendable {
    /// Downloads `url` within `timeout` seconds, returning the body; throws on anything but a
    /// complete 2xx response, and promptly when its task is cancelled.
    public typealias Fetch = @Sendable (_ url: URL, _ timeout: TimeInterval) async throws -> [UInt8]
    /// Waits `seconds`; throws when its task is cancelled.
    public typealias Sleep = @Sendable (_ seconds: TimeInterval) async throws -> Void

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
    let sleep: Sleep
    let now: @Sendable () -> Date

    public var intervalWasRaised: Bool { interval != requestedInterval }

    public init(
        store: any ProfileStore, service: String, source: URL, interval: TimeInterval, duration: TimeInterval,
        timeout: TimeInterval? = nil,
        fetch: @escaping Fetch = ProfileCollector.httpFetch,
        sleep: @escaping Sleep = ProfileCollector.taskSleep,
        now: @escaping @Sendable () -> Date = { Date() }
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
        self.sleep = sleep
        self.now = now
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
    /// Never throws: every failure goes to `report` and is retried at the next interval.
    @discardableResult
    public func run(maxProfiles: Int? = nil, report: @Sendable (CollectorEvent) -> Void) async -> CollectorSummary {
        var summary = CollectorSummary()
        if intervalWasRaised {
            report(.intervalRaised(requested: requestedInterval, effective: interval))
        }
        var tick = now()
        while !Task.isCancelled {
            if let maxProfiles, summary.saved >= maxProfiles { break }
            let startedAt = now()
            report(.started(url: profileURL, at: startedAt))
            do {
                let stored = try await collectOne(startedAt: startedAt)
                summary.saved += 1
                report(.saved(stored, startedAt: startedAt, at: now()))
            } catch let failure as CollectorFailure {
                summary.failures += 1
                report(.failed(failure))
            } catch {
                break  // cancelled while fetching: nothing saved
            }
            if let maxProfiles, summary.saved >= maxProfiles { break }
            // The next start is one interval after this one's scheduled start; after an overrun,
            // start at once (and count intervals from then) rather than catch up in a burst.
            let current = now()
            tick = tick.addingTimeInterval(interval)
            if tick <= current {
                tick = current
                continue
            }
            do { try await sleep(tick.timeIntervalSince(current)) } catch { break }
        }
        summary.cancelled = Task.isCancelled
        report(.stopped(summary))
        return summary
    }

    /// Fetches, validates and saves one profile. Throws `CollectorFailure`, or
    /// `CancellationError` when cancelled before the bytes were complete.
    func collectOne(startedAt: Date) async throws -> StoredProfile {
        let bytes: [UInt8]
        do {
            bytes = try await fetch(profileURL, timeout)
        } catch {
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            throw CollectorFailure(stage: .fetch, at: now(), message: "\(profileURL.absoluteString): \(Self.describe(error))")
        }
        let profile: Profile
        do {
            profile = try Profile(serialized: bytes)
        } catch {
            throw CollectorFailure(
                stage: .validate, at: now(),
                message: "\(profileURL.absoluteString) sent \(bytes.count) bytes that are not a valid pprof profile: \(error)")
        }
        let gzipped = Gzip.compressedIfNeeded(bytes)
        let createdAt = profile.timeNanos > 0 ? Date(timeIntervalSince1970: Double(profile.timeNanos) / 1e9) : startedAt
        // The bytes are complete and valid: save them whole even if cancellation arrives now.
        // The save runs in a task of its own, which does not inherit this task's cancellation.
        let store = self.store
        let service = self.service
        let result = await Task { try await store.save(gzipped, service: service, createdAt: createdAt) }.result
        switch result {
        case .success(let stored):
            return stored
        case .failure(let error):
            throw CollectorFailure(stage: .save, at: now(), message: "\(store.location): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? CollectorHTTPError { return error.description }
        if let error = error as? URLError {
            return "\(error.localizedDescription) (URLError \(error.code.rawValue))"
        }
        return String(describing: error)
    }

    // MARK: - Defaults

    /// Waits with `Task.sleep`: throws `CancellationError` at once when cancelled.
    public static let taskSleep: Sleep = { seconds in
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 1e9) * 1e9))
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration)
    }()

    /// GET with URLSession. The whole request, not just each read, is limited to `timeout`, and
    /// cancelling the calling task cancels the request at once.
    public static let httpFetch: Fetch = { url, timeout in
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask { try await get(url, timeout: timeout) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(min(max(timeout, 0.001), 1e9) * 1e9))
                throw CollectorHTTPError(url: url, status: nil, message: "no complete response within \(formatSeconds(timeout))")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private static func get(_ url: URL, timeout: TimeInterval) async throws -> [UInt8] {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        let box = DataTaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: (error as? URLError)?.code == .cancelled ? CancellationError() : error)
                        return
                    }
                    guard let http = response as? HTTPURLResponse else {
                        continuation.resume(throwing: CollectorHTTPError(url: url, status: nil, message: "not an HTTP response"))
                        return
                    }
                    let body = [UInt8](data ?? Data())
                    guard (200..<300).contains(http.statusCode) else {
                        let text = String(decoding: body.prefix(300), as: UTF8.self)
                            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
                        continuation.resume(throwing: CollectorHTTPError(url: url, status: http.statusCode, message: text))
                        return
                    }
                    // A body shorter than Content-Length is a cut-off download, never a profile.
                    // (Unless the transport decoded a Content-Encoding, which changes the length.)
                    let encoded = http.value(forHTTPHeaderField: "Content-Encoding").map { !$0.isEmpty && $0 != "identity" } ?? false
                    if !encoded, http.expectedContentLength >= 0, Int64(body.count) != http.expectedContentLength {
                        continuation.resume(throwing: CollectorHTTPError(
                            url: url, status: http.statusCode,
                            message: "incomplete body: \(body.count) of \(http.expectedContentLength) bytes"))
                        return
                    }
                    continuation.resume(returning: body)
                }
                box.start(task)
            }
        } onCancel: {
            box.cancel()
        }
    }
}

/// Holds a data task so that cancellation, which may come before or after it starts, cancels it.
private final class DataTaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ task: URLSessionDataTask) {
        let cancelNow = lock.withLock {
            self.task = task
            return cancelled
        }
        task.resume()
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        task?.cancel()
    }
}

/// What happens while collecting, in order.
public enum CollectorEvent: Sendable {
    /// The interval was shorter than the duration, so it was raised to the duration.
    case intervalRaised(requested: TimeInterval, effective: TimeInterval)
    /// A profile is being requested.
    case started(url: URL, at: Date)
    /// A profile was validated and saved.
    case saved(StoredProfile, startedAt: Date, at: Date)
    /// This round failed; the next is at the next interval.
    case failed(CollectorFailure)
    /// `run` is returning.
    case stopped(CollectorSummary)
}

public struct CollectorSummary: Sendable, Equatable {
    public var saved = 0
    public var failures = 0
    /// Whether the run stopped because its task was cancelled (rather than reaching its count).
    public var cancelled = false
    public init() {}
}

/// One round that did not save a profile.
public struct CollectorFailure: Error, Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        case fetch, validate, save
    }
    public var stage: Stage
    /// When it happened.
    public var at: Date
    public var message: String

    public init(stage: Stage, at: Date, message: String) {
        self.stage = stage
        self.at = at
        self.message = message
    }

    public var description: String {
        switch stage {
        case .fetch: "cannot fetch profile: \(message)"
        case .validate: "not saving: \(message)"
        case .save: "cannot save profile: \(message)"
        }
    }
}

/// A response other than a complete 2xx, or none in time.
public struct CollectorHTTPError: Error, Sendable, CustomStringConvertible {
    public var url: URL
    public var status: Int?
    public var message: String

    public init(url: URL, status: Int?, message: String) {
        self.url = url
        self.status = status
        self.message = message
    }

    public var description: String {
        guard let status else { return message }
        return "HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
    }
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
