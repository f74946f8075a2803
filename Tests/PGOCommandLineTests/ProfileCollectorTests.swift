// Tests of `ProfileCollector` (the loop behind `pgo collect`): unit tests with a fake fetch and
// a virtual clock, then tests against a real Go service (GoService/main.go, built with the Go
// toolchain from GO or PATH), in process and as a `pgo` subprocess stopped by SIGINT/SIGTERM.

import Foundation
import BinaryFormats
import Testing
import Pprof
import PGOCommandLine
@testable import PGOPipeline
import PGOSystem
import ProfileStore
import TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Unit tests

/// Time limits here are hang guards (10 minutes), not timings: the suite runs beside release builds and
/// subprocess-bound tests that hold the 2 cores and the cooperative pool's threads for minutes at a time.
@Suite struct ProfileCollectorTests {
    static let source = URL(string: "http://127.0.0.1:6060/debug/pprof/profile")!
    static let t0 = Date(unixMilliseconds: 1_780_000_000_000)

    @Test func failuresAreReportedAndRetriedAtTheNextInterval() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = LocalDirectoryStore(root: directory)
        let valid = try undatedProfile()
        let cutOff = Array(try collectFixture("small-1.pb.gz").prefix(200))  // a download cut short
        let calls = CollectCounter()
        let clock = VirtualClock(Self.t0)
        let collector = ProfileCollector(
            store: store, service: "api", source: Self.source, interval: 300, duration: 30,
            fetch: { url, timeout in
                #expect(url.absoluteString == "http://127.0.0.1:6060/debug/pprof/profile?seconds=30")
                #expect(timeout == 60)
                switch calls.next() {
                case 1: throw HTTPError(url: url, status: 500, message: "Could not enable CPU profiling")
                case 2: return cutOff
                default: return valid
                }
            },
            clock: clock.wallClock)
        let events = CollectEvents()
        let summary = await collector.run(maxProfiles: 2, diagnostics: events.diagnostics)

        #expect(summary.saved == 2 && summary.failures == 2 && !summary.cancelled)
        #expect(calls.value == 4)
        let failures = events.failures
        #expect(failures.map(\.stage) == [.fetch, .validate])
        #expect(failures.first?.description.contains("HTTP 500: Could not enable CPU profiling") == true)
        #expect(failures.last?.description.contains("not a valid pprof profile") == true)
        #expect(events.saved.count == 2)
        // Every round starts one interval after the last, failed ones included; a profile without
        // time_nanos is dated by its round's start.
        #expect(clock.sleeps == [300, 300, 300])
        let listing = try await store.list(service: "api", window: .all)
        #expect(listing.profiles.map(\.createdAt) == [Self.t0.addingTimeInterval(600), Self.t0.addingTimeInterval(900)])
        #expect(listing.skipped.isEmpty)
        try await expectEveryFileIsAValidProfile(directory, count: 2)
    }

    @Test func aProfileIsDatedByItsOwnTimeWhenItHasOne() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = LocalDirectoryStore(root: directory)
        let bytes = try collectFixture("small-1.pb.gz")
        let timeNanos = try Profile(serialized: bytes).timeNanos
        try #require(timeNanos > 0)
        let clock = VirtualClock(Self.t0)
        let collector = ProfileCollector(
            store: store, service: "api", source: Self.source, interval: 60, duration: 10,
            fetch: { _, _ in bytes }, clock: clock.wallClock)
        #expect(await collector.run(maxProfiles: 1, diagnostics: .ignored).saved == 1)
        let listing = try await store.list(service: "api", window: .all)
        #expect(listing.profiles.map(\.createdAt.unixMilliseconds) == [Date(timeIntervalSince1970: Double(timeNanos) / 1e9).unixMilliseconds])
        #expect(try await store.get(listing.profiles[0]) == bytes)  // gzip bytes are stored as sent
    }

    @Test func anIntervalShorterThanTheDurationIsRaised() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let valid = try undatedProfile()
        let clock = VirtualClock(Self.t0)
        let collector = ProfileCollector(
            store: LocalDirectoryStore(root: directory), service: "api", source: Self.source, interval: 10, duration: 30,
            fetch: { _, _ in valid }, clock: clock.wallClock)
        #expect(collector.interval == 30 && collector.requestedInterval == 10 && collector.intervalWasRaised)
        #expect(collector.timeout == 60)
        let events = CollectEvents()
        #expect(await collector.run(maxProfiles: 2, diagnostics: events.diagnostics).saved == 2)
        guard case .intervalRaised(let requested, let effective)? = events.all.first else {
            Issue.record("first event is not .intervalRaised: \(events.all)")
            return
        }
        #expect(requested == 10 && effective == 30)
        #expect(clock.sleeps == [30])

        // Whole seconds, at least one; seconds= replaces any given; the timeout can be set.
        let other = ProfileCollector(
            store: LocalDirectoryStore(root: directory), service: "api",
            source: URL(string: "http://h:1/debug/pprof/profile?seconds=99&debug=0")!, interval: 0.1, duration: 0.2, timeout: 5, fetch: HTTPGet.body(of:timeout:), clock: .system)
        #expect(other.duration == 1 && other.interval == 1 && other.timeout == 5)
        #expect(other.profileURL.absoluteString == "http://h:1/debug/pprof/profile?debug=0&seconds=1")
        let unraised = ProfileCollector(
            store: LocalDirectoryStore(root: directory), service: "api", source: Self.source, interval: 300, duration: 30, fetch: HTTPGet.body(of:timeout:), clock: .system)
        #expect(!unraised.intervalWasRaised && unraised.interval == 300)
    }

    @Test func aFailingStoreDoesNotStopTheCollector() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inner = LocalDirectoryStore(root: directory)
        let store = FailingStore(inner: inner, failures: 2)
        let valid = try undatedProfile()
        let clock = VirtualClock(Self.t0)
        let collector = ProfileCollector(
            store: store, service: "api", source: Self.source, interval: 60, duration: 30,
            fetch: { _, _ in valid }, clock: clock.wallClock)
        let events = CollectEvents()
        let summary = await collector.run(maxProfiles: 2, diagnostics: events.diagnostics)
        #expect(summary.saved == 2 && summary.failures == 2)
        #expect(events.failures.map(\.stage) == [.save, .save])
        #expect(events.failures.first?.description.contains("disk full") == true)
        let listing = try await inner.list(service: "api", window: .all)
        #expect(listing.profiles.map(\.createdAt) == [Self.t0.addingTimeInterval(120), Self.t0.addingTimeInterval(180)])
        try await expectEveryFileIsAValidProfile(directory, count: 2)
    }

    @Test(.timeLimit(.minutes(10))) func cancellationEndsALongSleep() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let valid = try undatedProfile()
        // The real sleep: an hour between profiles.
        let collector = ProfileCollector(
            store: LocalDirectoryStore(root: directory), service: "api", source: Self.source, interval: 3600, duration: 30,
            fetch: { _, _ in valid }, clock: .system)
        let (events, task) = startCollecting(collector)
        for await event in events {
            if case .saved = event { break }
        }
        task.cancel()
        let summary = await task.value
        #expect(summary.saved == 1 && summary.failures == 0 && summary.cancelled)
        try await expectEveryFileIsAValidProfile(directory, count: 1)
    }

    @Test(.timeLimit(.minutes(10))) func cancellationDropsAProfileStillBeingFetched() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let valid = try undatedProfile()
        let collector = ProfileCollector(
            store: LocalDirectoryStore(root: directory), service: "api", source: Self.source, interval: 60, duration: 30,
            fetch: { _, _ in
                try await Task.sleep(nanoseconds: 3_600_000_000_000)
                return valid
            }, clock: .system)
        let (events, task) = startCollecting(collector)
        for await event in events {
            if case .started = event { break }
        }
        task.cancel()
        let summary = await task.value
        // Stopping is not a failure, and nothing was saved.
        #expect(summary.saved == 0 && summary.failures == 0 && summary.cancelled)
        try await expectEveryFileIsAValidProfile(directory, count: 0)
    }

    @Test(.timeLimit(.minutes(10))) func aProfileCompleteWhenCancelledIsSavedWhole() async throws {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let valid = try undatedProfile()
        let gate = CollectGate()
        // The store fails if the collector's cancellation reaches the save.
        let store = CancellationSensitiveStore(inner: LocalDirectoryStore(root: directory))
        let collector = ProfileCollector(
            store: store, service: "api", source: Self.source, interval: 60, duration: 30,
            fetch: { _, _ in
                await gate.wait()  // the bytes arrive after the stop was asked for
                return valid
            }, clock: .system)
        let (events, task) = startCollecting(collector)
        for await event in events {
            if case .started = event { break }
        }
        task.cancel()
        gate.open()
        let summary = await task.value
        #expect(summary.saved == 1 && summary.failures == 0 && summary.cancelled)
        try await expectEveryFileIsAValidProfile(directory, count: 1)
    }

    @Test func theHTTPFetchReportsARefusedConnection() async {
        await #expect(throws: (any Error).self) {
            _ = try await HTTPGet.body(of: URL(string: "http://127.0.0.1:1/debug/pprof/profile?seconds=1")!, timeout: 10)
        }
    }
}

// MARK: - Against a real Go service

@Suite(.enabled(if: Peer.go.shouldRun, Peer.go.skipComment), .serialized)
struct CollectFromGoServiceTests {
    @Test(.timeLimit(.minutes(10))) func collectSavesRealCPUProfiles() async throws {
        let service = try await GoService.start()
        defer { service.stop() }
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let captured = Captured()
        let status = await PGOTool.run(
            [
                "collect", "--store", directory, "--service", "svc", "--from-url", service.profileURL,
                "--interval", "1s", "--duration", "1s", "--count", "2",
            ],
            context: captured.context)
        #expect(status == 0, "\(captured.stderr)")
        let store = LocalDirectoryStore(root: directory)
        let listing = try await store.list(service: "svc", window: .all)
        #expect(listing.profiles.count == 2, "\(captured.stderr)")
        #expect(listing.skipped.isEmpty)
        for object in listing.profiles {
            let profile = try Profile(serialized: try await store.get(object))
            let types = profile.sampleTypes.map { "\(profile.stringTable[Int($0.type)])/\(profile.stringTable[Int($0.unit)])" }
            #expect(types == ["samples/count", "cpu/nanoseconds"], "\(object.key)")
            #expect(!profile.samples.isEmpty, "\(object.key): no samples from a service that burns CPU")
            // Dated by the profile's own start.
            #expect(profile.timeNanos > 0)
            #expect(object.createdAt.unixMilliseconds == Date(timeIntervalSince1970: Double(profile.timeNanos) / 1e9).unixMilliseconds)
        }
        // Each saved profile is announced on standard output.
        let lines = captured.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for object in listing.profiles { #expect(captured.stdout.contains(object.key)) }
        #expect(captured.stderr.contains("stopped: saved 2 profiles"))
    }

    @Test(.timeLimit(.minutes(10))) func theHTTPFetchReportsWhatGoesWrong() async throws {
        let service = try await GoService.start()
        defer { service.stop() }
        // An unknown profile: HTTP 404, with Go's message.
        do {
            _ = try await HTTPGet.body(of: URL(string: "http://127.0.0.1:\(service.port)/debug/pprof/nonesuch?seconds=1")!, timeout: 30)
            Issue.record("an unknown profile was fetched")
        } catch let error as HTTPError {
            #expect(error.status == 404, "\(error)")
        }
        // A profile that takes longer than the timeout.
        do {
            _ = try await HTTPGet.body(of: URL(string: service.profileURL + "?seconds=5")!, timeout: 1)
            Issue.record("a 5 s profile came within a 1 s timeout")
        } catch let error as HTTPError {
            #expect(error.status == nil && error.message.contains("within 1s"), "\(error)")
        }
    }

    /// `pgo collect` as a process: SIGTERM while the first profile is being taken stops it with
    /// status 0 and nothing saved in part.
    @Test(.timeLimit(.minutes(10))) func sigtermDuringAProfileStopsCleanly() async throws {
        let pgo = try #require(try PGOBinary.find(), "the pgo executable")
        let service = try await GoService.start()
        defer { service.stop() }
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = directory + "/store"
        let child = try ChildProcess.spawn(
            pgo,
            ["collect", "--store", store, "--service", "svc", "--from-url", service.profileURL, "--interval", "1s", "--duration", "5s"],
            stdout: directory + "/out", stderr: directory + "/err")
        defer { child.kill() }
        try await child.waitForOutput(directory + "/err", containing: "collecting")
        try await Task.sleep(nanoseconds: 1_000_000_000)  // into the 5 s profile
        child.signal(SIGTERM)
        let status = try await child.wait()
        let stderr = collectRead(directory + "/err")
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("received SIGTERM"), "\(stderr)")
        #expect(stderr.contains("stopped: saved"), "\(stderr)")
        try await expectEveryFileIsAValidProfile(store, count: nil)
        // Whatever was saved was announced; nothing else is there.
        let saved = collectRead(directory + "/out").split(separator: "\n").count
        #expect(collectFiles(store).count == saved, "\(stderr)")
    }

    /// SIGINT after a profile is saved, while the next is being taken: status 0, the saved
    /// profile stays, the one in flight is not saved in part.
    @Test(.timeLimit(.minutes(10))) func sigintAfterASaveKeepsWhatWasSaved() async throws {
        let pgo = try #require(try PGOBinary.find(), "the pgo executable")
        let service = try await GoService.start()
        defer { service.stop() }
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = directory + "/store"
        let child = try ChildProcess.spawn(
            pgo,
            ["collect", "--store", store, "--service", "svc", "--from-url", service.profileURL, "--interval", "1s", "--duration", "2s"],
            stdout: directory + "/out", stderr: directory + "/err")
        defer { child.kill() }
        try await child.waitForOutput(directory + "/out", containing: "svc/")
        try await Task.sleep(nanoseconds: 500_000_000)  // into the next profile
        child.signal(SIGINT)
        let status = try await child.wait()
        let stderr = collectRead(directory + "/err")
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("received SIGINT"), "\(stderr)")
        let saved = collectRead(directory + "/out").split(separator: "\n").count
        #expect(saved >= 1)
        try await expectEveryFileIsAValidProfile(store, count: saved)
    }
}

// MARK: - The Go service

/// GoService/main.go, built once per test process with the Go toolchain from GO or PATH.
enum GoService {
    static let go = Peer.go.path

    static let sourceFile = Fixtures.inPackage("Tests/PGOCommandLineTests/GoService/main.go")

    private static let built = Task<String, any Error> { try build() }

    static func build() throws -> String {
        let go = try Peer.go.require()
        let directory = try temporaryDirectory("pgo-collect-test")
        try "module svc\ngo 1.22\n".write(toFile: directory + "/go.mod", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: sourceFile, toPath: directory + "/main.go")
        var environment = ProcessInfo.processInfo.environment
        environment["GOPROXY"] = "off"
        environment["GOTOOLCHAIN"] = "local"
        environment["GOFLAGS"] = ""
        environment["GOWORK"] = "off"
        environment["CGO_ENABLED"] = "0"
        let child = try ChildProcess.spawn(
            go, ["build", "-C", directory, "-o", directory + "/svc", "."], stdout: directory + "/build.log", stderr: nil,
            environment: environment)
        let status = child.waitBlocking()
        guard status == 0 else {
            throw CollectTestError("go build exited \(status):\n\(collectRead(directory + "/build.log"))")
        }
        return directory + "/svc"
    }

    /// Starts a service of its own (Go allows one CPU profile at a time per process).
    static func start() async throws -> RunningGoService {
        let binary = try await built.value
        let directory = (binary as NSString).deletingLastPathComponent + "/run-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let child = try ChildProcess.spawn(
            binary, [], stdout: directory + "/port", stderr: directory + "/log", stdinPipe: true)
        do {
            try await child.waitForOutput(directory + "/port", containing: "\n")
        } catch {
            child.kill()
            throw CollectTestError("the Go service did not start: \(error)\n\(collectRead(directory + "/log"))")
        }
        let text = collectRead(directory + "/port").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            child.kill()
            throw CollectTestError("the Go service printed '\(text)', not a port")
        }
        return RunningGoService(child: child, port: port)
    }
}

final class RunningGoService: Sendable {
    let child: ChildProcess
    let port: Int
    var profileURL: String { "http://127.0.0.1:\(port)/debug/pprof/profile" }

    init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    /// SIGKILL: a child started from a test thread may have SIGTERM blocked.
    func stop() { child.kill() }
}

// MARK: - The pgo binary

enum PGOBinary {
    /// The `pgo` that SwiftPM built next to the test bundle (or PGO_BINARY), checked to know
    /// `collect`. Nil, with a recorded issue, when there is none: never a silent pass.
    static func find() throws -> String? {
        var directories: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["PGO_BINARY"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                Issue.record("PGO_BINARY=\(explicit) is not an executable")
                return nil
            }
            return try checked(explicit)
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        directories += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        var tried: [String] = []
        for start in directories {
            var directory = start.standardizedFileURL
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("pgo").path
                tried.append(candidate)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate)
                {
                    return try checked(candidate)
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        Issue.record("""
            cannot find the pgo executable next to the test bundle, so the signal tests did not run \
            (tried \(Set(tried).sorted().joined(separator: ", "))); build it (swift build) or set PGO_BINARY
            """)
        return nil
    }

    private static func checked(_ path: String) throws -> String? {
        let directory = try temporaryDirectory("pgo-collect-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess.spawn(path, ["collect", "--help"], stdout: directory + "/out", stderr: nil)
        guard child.waitBlocking() == 0, collectRead(directory + "/out").contains("--from-url") else {
            Issue.record("\(path) does not know `pgo collect` (a stale build?): \(collectRead(directory + "/out"))")
            return nil
        }
        return path
    }
}

// MARK: - Child processes

/// A child started with posix_spawn, with an empty signal mask and default signal actions
/// (whatever the spawning thread had), standard output and error to files, and standard input
/// from /dev/null or from a pipe only this process writes to (so the child sees EOF when this
/// process goes away).
final class ChildProcess: Sendable {
    let pid: pid_t
    private let stdinWriteFD: Int32
    private let state = Locked<Int32?>(nil)  // the exit status once reaped

    private init(pid: pid_t, stdinWriteFD: Int32) {
        self.pid = pid
        self.stdinWriteFD = stdinWriteFD
    }

    static func spawn(
        _ executable: String, _ arguments: [String], stdout: String, stderr: String?, stdinPipe: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ChildProcess {
        var stdinFDs: [Int32] = [-1, -1]
        if stdinPipe {
            guard pipe(&stdinFDs) == 0 else { throw CollectTestError("pipe: errno \(errno)") }
            for fd in stdinFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        } else {
            stdinFDs[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        defer { close(stdinFDs[0]) }

        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdinFDs[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            if stdinPipe { close(stdinFDs[1]) }
            throw CollectTestError("posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, stdinWriteFD: stdinPipe ? stdinFDs[1] : -1)
    }

    func signal(_ signal: Int32) { _ = state.withLock { $0 == nil ? sendSignal(pid, signal) : 0 } }

    /// SIGKILL and reap; idempotent.
    func kill() {
        signal(SIGKILL)
        _ = waitBlocking()
        if stdinWriteFD >= 0 { close(stdinWriteFD) }
    }

    /// The exit status (128 + N for signal N), or nil while it runs.
    func poll() -> Int32? {
        state.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            status = Self.decode(raw)
            return status
        }
    }

    func waitBlocking() -> Int32 {
        while true {
            if let status = poll() { return status }
            usleep(10_000)
        }
    }

    /// Waits for exit; a child that does not exit within a minute is killed and reported.
    func wait() async throws -> Int32 {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let status = poll() { return status }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        kill()
        throw CollectTestError("pid \(pid) did not exit within 60 s; killed")
    }

    /// Waits until `file` contains `text` (a readiness check, not a timing assertion).
    func waitForOutput(_ file: String, containing text: String) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if collectRead(file).contains(text) { return }
            if let status = poll() {
                throw CollectTestError("pid \(pid) exited \(status) before writing '\(text)' to \(file): \(collectRead(file))")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw CollectTestError("pid \(pid) did not write '\(text)' to \(file) within 60 s: \(collectRead(file))")
    }

    private static func decode(_ raw: Int32) -> Int32 {
        (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }

    deinit {
        if stdinWriteFD >= 0, state.withLock({ $0 == nil }) {
            _ = sendSignal(pid, SIGKILL)
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
            close(stdinWriteFD)
        }
    }
}

// MARK: - Helpers

private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 { kill(pid, signal) }

struct CollectTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}


private final class CollectCounter: @unchecked Sendable {
    private let count = Locked(0)
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
    var value: Int { count.withLock { $0 } }
}

/// Time that moves only when the collector sleeps.
private final class VirtualClock: @unchecked Sendable {
    private let state: Locked<(now: Date, sleeps: [TimeInterval])>
    init(_ start: Date) { state = Locked((start, [])) }
    var sleeps: [TimeInterval] { state.withLock { $0.sleeps } }
    var read: @Sendable () -> Date { { self.state.withLock { $0.now } } }
    var wallClock: WallClock { WallClock(now: read, sleep: sleep) }
    var sleep: @Sendable (TimeInterval) async throws -> Void {
        { seconds in
            try Task.checkCancellation()
            self.state.withLock {
                $0.now = $0.now.addingTimeInterval(seconds)
                $0.sleeps.append(seconds)
            }
            await Task.yield()
        }
    }
}

private final class CollectEvents: @unchecked Sendable {
    private let events = Locked<[CollectionEvent]>([])
    var diagnostics: Diagnostics { Diagnostics { diagnostic in if case .collection(let event) = diagnostic { self.events.withLock { $0.append(event) } } } }
    var all: [CollectionEvent] { events.withLock { $0 } }
    var failures: [CollectionError] {
        all.compactMap { if case .failed(let failure) = $0 { failure } else { nil } }
    }
    var saved: [StoredProfile] {
        all.compactMap { if case .saved(let object, _, _) = $0 { object } else { nil } }
    }
}

/// Opens once; `wait` returns when it is open.
private final class CollectGate: @unchecked Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Throws "disk full" for its first `failures` saves.
private struct FailingStore: ProfileStore {
    let inner: LocalDirectoryStore
    let remaining: Locked<Int>
    init(inner: LocalDirectoryStore, failures: Int) {
        self.inner = inner
        self.remaining = Locked(failures)
    }
    var location: String { inner.location }
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        let fail = remaining.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail { throw StoreError("\(location): disk full") }
        return try await inner.save(profile, service: service, createdAt: createdAt)
    }
    func list(service: String, window: TimeWindow) async throws -> StoreListing { try await inner.list(service: service, window: window) }
    func get(_ object: StoredProfile) async throws -> [UInt8] { try await inner.get(object) }
    func delete(_ object: StoredProfile) async throws { try await inner.delete(object) }
}

/// Fails a save that runs in a cancelled task, as a network store's request would.
private struct CancellationSensitiveStore: ProfileStore {
    let inner: LocalDirectoryStore
    var location: String { inner.location }
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        try Task.checkCancellation()
        return try await inner.save(profile, service: service, createdAt: createdAt)
    }
    func list(service: String, window: TimeWindow) async throws -> StoreListing { try await inner.list(service: service, window: window) }
    func get(_ object: StoredProfile) async throws -> [UInt8] { try await inner.get(object) }
    func delete(_ object: StoredProfile) async throws { try await inner.delete(object) }
}

private let collectFixtureRoot = Fixtures.path("profiles")

private func collectFixture(_ name: String) throws -> [UInt8] {
    try BoundedFile.read(collectFixtureRoot + "/" + name)
}

/// small-1 without its time_nanos, so that the collector dates it by the round's start.
private func undatedProfile() throws -> [UInt8] {
    var profile = try Profile(serialized: try collectFixture("small-1.pb.gz"))
    profile.timeNanos = 0
    return profile.serialized()
}


func collectRead(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// Every regular file under `directory`, hidden ones (such as a temporary file left behind) included.
func collectFiles(_ directory: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
    var files: [String] = []
    while let relative = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        let path = directory + "/" + relative
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files.append(path)
        }
    }
    return files.sorted()
}

/// Every file in the store is a whole, valid profile (and there are `count` of them, if given).
func expectEveryFileIsAValidProfile(_ directory: String, count: Int?, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let files = collectFiles(directory)
    if let count { #expect(files.count == count, "\(files)", sourceLocation: sourceLocation) }
    for file in files {
        #expect(throws: Never.self, "\(file)", sourceLocation: sourceLocation) {
            _ = try Profile(serialized: try BoundedFile.read(file))
        }
    }
}

/// Runs `collector` in a task of its own, its collection events on a stream.
private func startCollecting(_ collector: ProfileCollector) -> (events: AsyncStream<CollectionEvent>, task: Task<CollectionSummary, Never>) {
    let (events, continuation) = AsyncStream<CollectionEvent>.makeStream()
    let task = Task { await collector.run(maxProfiles: nil, diagnostics: Diagnostics { if case .collection(let event) = $0 { continuation.yield(event) } }) }
    return (events, task)
}
