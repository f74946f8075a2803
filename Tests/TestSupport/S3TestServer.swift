// Real S3-compatible servers for the store and CLI tests: SeaweedFS (`weed mini`) and moto.
//
// `.ci/install-peers` installs them into .build-peers/, where TestSupport's `Peer` looks first
// (then PGO_WEED, PGO_PYTHON, PGO_AWS, then PATH). Suites that use them are gated with
// `.enabled(if: S3Peers.shouldRun, S3Peers.skipComment)`: without the peers they are skipped, and
// shown as skipped with the reason, unless PGO_REQUIRE_PEERS=1, which makes them run and fail.
//
// Every server runs in a session (and process group) of its own, with a small `sh` watchdog that
// reads a pipe whose only write end this test process holds: when this process goes away for any
// reason (normal exit, crash, SIGKILL), the pipe reaches EOF and the watchdog kills the server and
// removes its temporary directory. On a normal exit an atexit handler also kills every process
// group still running, reaps the servers and removes the directories.

import Foundation
import PGOSystem
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public struct S3TestServer: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case seaweedfs, moto }

    public let kind: Kind
    /// http://127.0.0.1:PORT
    public let endpoint: URL
    public let accessKeyID: String
    public let secretAccessKey: String
    /// "us-east-1"
    public let region: String

    /// The same server, with other credentials (e.g. a wrong secret, to check signatures are verified).
    public func with(accessKeyID: String? = nil, secretAccessKey: String) -> S3TestServer {
        S3TestServer(
            kind: kind, endpoint: endpoint, accessKeyID: accessKeyID ?? self.accessKeyID,
            secretAccessKey: secretAccessKey, region: region)
    }

    /// Creates a fresh bucket with a unique name and returns its name.
    public func makeBucket() throws -> String {
        let name = "pgo-" + UUID().uuidString.lowercased()
        _ = try aws(["s3api", "create-bucket", "--bucket", name])
        return name
    }

    /// Runs the aws CLI against this server with its credentials; returns stdout, throws with
    /// stderr when it exits non-zero.
    public func aws(_ arguments: [String]) throws -> String {
        guard let awsPath = S3Peers.aws() else { throw S3TestServerError.peerMissing((S3Peers.missing(.seaweedfs) ?? "the aws CLI is missing")) }
        var environment = ProcessInfo.processInfo.environment
        for name in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CA_BUNDLE"] {
            environment[name] = nil
        }
        environment["AWS_ACCESS_KEY_ID"] = accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey
        environment["AWS_DEFAULT_REGION"] = region
        environment["AWS_REGION"] = region
        // Neither the user's ~/.aws nor instance metadata.
        environment["AWS_CONFIG_FILE"] = "/nonexistent/pgo-aws-config"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/pgo-aws-credentials"
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        environment["AWS_MAX_ATTEMPTS"] = "1"
        let result = try Subprocess.run(
            awsPath,
            arguments + ["--endpoint-url", endpoint.absoluteString, "--region", region],
            environment: environment)
        guard result.status == 0 else {
            throw S3TestServerError.commandFailed(
                "aws \(arguments.joined(separator: " ")) against \(kind) at \(endpoint.absoluteString) "
                    + "exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// Whether something accepts TCP connections on the endpoint's port.
    public var isAcceptingConnections: Bool { Net.canConnect(port: endpoint.port ?? 80) }

    /// The shared instance of `kind` for this test process, started on first use and stopped when
    /// the process exits. Throws when the peer isn't installed (suites using it are gated with
    /// `.enabled(if: S3Peers.shouldRun)`, so that is a failure only under PGO_REQUIRE_PEERS=1).
    public static func shared(_ kind: Kind) async throws -> S3TestServer {
        try await SharedServers.task(for: kind).value.server
    }

    /// Starts a private instance (for tests that stop or restart a server); `stop()` ends it.
    /// Throws when the peer isn't installed (see `startIfAvailable` for the skipping variant).
    public static func start(_ kind: Kind) async throws -> RunningS3TestServer {
        try S3Peers.require(kind)
        return try await Launcher.launch(kind)
    }
}

/// A private server instance; `stop()` kills it (and waits until its port refuses connections).
public final class RunningS3TestServer: Sendable {
    public let server: S3TestServer
    /// The server's log (stdout and stderr), in its temporary directory; gone after `stop()`.
    public let logPath: String
    private let child: ChildID

    fileprivate init(server: S3TestServer, logPath: String, child: ChildID) {
        self.server = server
        self.logPath = logPath
        self.child = child
    }

    public func stop() {
        Children.stop(child)
        let port = server.endpoint.port ?? 80
        let deadline = Date().addingTimeInterval(10)
        while Net.canConnect(port: port), Date() < deadline { usleep(20_000) }
    }

    deinit { Children.stop(child) }
}

public enum S3TestServerError: Error, CustomStringConvertible {
    case peerMissing(String)
    case startFailed(String)
    case commandFailed(String)

    public var description: String {
        switch self {
        case .peerMissing(let message): "S3 test peer missing: \(message)"
        case .startFailed(let message): "S3 test server failed to start: \(message)"
        case .commandFailed(let message): message
        }
    }
}

// MARK: - Shared instances

private enum SharedServers {
    // Held here for the life of the process; the atexit handler (or the watchdog) ends them.
    private static let tasks = Locked<[S3TestServer.Kind: Task<RunningS3TestServer, Error>]>([:])

    static func task(for kind: S3TestServer.Kind) -> Task<RunningS3TestServer, Error> {
        tasks.withLock { tasks in
            if let task = tasks[kind] { return task }
            let task = Task<RunningS3TestServer, Error> { try await S3TestServer.start(kind) }
            tasks[kind] = task
            return task
        }
    }
}

// MARK: - Finding the peers

/// The S3 peers, found by the tests' one peer policy (TestSupport's `Peer`: .build-peers/ first).
public enum S3Peers {
    public static func peers(_ kind: S3TestServer.Kind) -> [Peer] {
        switch kind {
        case .seaweedfs: [.weed, .aws]
        case .moto: [.motoPython, .aws]
        }
    }

    /// For `.enabled(if:)` on suites that use both servers.
    public static let shouldRun = S3TestServer.Kind.allCases.allSatisfy { peers($0).allSatisfy(\.shouldRun) }
    public static var skipComment: Comment {
        var seen: Set<String> = []
        let missing = S3TestServer.Kind.allCases.flatMap(peers).filter { $0.path == nil && seen.insert($0.name).inserted }
        return Comment(rawValue: "S3 peers missing: " + missing.map { "\($0.name): \($0.problem)" }.joined(separator: "; ")
            + " (set PGO_REQUIRE_PEERS=1 to fail instead)")
    }

    public static func weed() -> String? { Peer.weed.path }
    public static func python() -> String? { Peer.motoPython.path }
    public static func aws() -> String? { Peer.aws.path }

    /// What is missing for `kind`, or nil when everything is there.
    public static func missing(_ kind: S3TestServer.Kind) -> String? {
        let missing = peers(kind).filter { $0.path == nil }
        return missing.isEmpty ? nil : missing.map { "\($0.name): \($0.problem)" }.joined(separator: "; ")
    }

    public static func require(_ kind: S3TestServer.Kind) throws {
        if let missing = missing(kind) { throw S3TestServerError.peerMissing(missing) }
    }
}

// MARK: - Launching

private enum Launcher {
    static let region = "us-east-1"
    static let readinessTimeout: TimeInterval = 30
    static let attempts = 3

    static func launch(_ kind: S3TestServer.Kind) async throws -> RunningS3TestServer {
        var lastError: Error = S3TestServerError.startFailed("not attempted")
        for attempt in 1...attempts {
            do {
                let start = Date()
                let running: RunningS3TestServer
                switch kind {
                case .seaweedfs: running = try await launchSeaweedFS()
                case .moto: running = try await launchMoto()
                }
                if ProcessInfo.processInfo.environment["PGO_S3_TEST_SERVER_VERBOSE"] == "1" {
                    let message = "S3TestServer: \(kind) ready at \(running.server.endpoint.absoluteString) after "
                        + String(format: "%.2f", Date().timeIntervalSince(start)) + " s (log \(running.logPath))\n"
                    FileHandle.standardError.write(Data(message.utf8))
                }
                return running
            } catch let error as RetryablePortClash {
                // Another process took one of the ports between picking and binding: pick again.
                lastError = S3TestServerError.startFailed("attempt \(attempt): \(error.log)")
            }
        }
        throw lastError
    }

    // SeaweedFS: `weed mini` runs master, volume, filer, S3, admin (and a maintenance worker) in
    // one process. Every listening port is moved: each component's HTTP port P and gRPC port,
    // which is P+10000 (the mini's worker dials the admin gRPC port as admin HTTP port + 10000,
    // whatever -admin.port.grpc says, so we keep that convention for all). The Iceberg and Lance
    // ports are disabled, as are WebDAV, the admin UI and telemetry. gRPC also listens on
    // /tmp/seaweedfs-<component>-grpc-<grpc port>.sock (fixed in /tmp; removed at stop).
    static func launchSeaweedFS() async throws -> RunningS3TestServer {
        guard let weed = S3Peers.weed() else { throw S3TestServerError.peerMissing(S3Peers.missing(.seaweedfs) ?? "weed") }
        let directory = try temporaryDirectory()
        let components = ["master", "volume", "filer", "s3", "admin"]
        let ports = try Net.freePortPairs(count: components.count, offset: 10_000)
        let port = Dictionary(uniqueKeysWithValues: zip(components, ports))

        let accessKeyID = "PGO" + randomString(17, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let secretAccessKey = randomString(
            40, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let config: [String: Any] = [
            "identities": [
                [
                    "name": "pgo-tests",
                    "credentials": [["accessKey": accessKeyID, "secretKey": secretAccessKey]],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                ]
            ]
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: "\(directory)/s3.json"))
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(directory)/tmp", withIntermediateDirectories: true)

        var arguments = [
            "-logtostderr", "-config_dir=\(directory)", "mini",
            "-dir=\(directory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        ]
        for component in components {
            arguments.append("-\(component).port=\(port[component]!.0)")
            arguments.append("-\(component).port.grpc=\(port[component]!.1)")
        }
        arguments += [
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
            "-master.telemetry=false",
            "-filer.localSocket=\(directory)/filer.sock", "-s3.localSocket=\(directory)/s3.sock",
            "-s3.config=\(directory)/s3.json",
        ]
        let sockets = components.map { "/tmp/seaweedfs-\($0)-grpc-\(port[$0]!.1).sock" }
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = "\(directory)/tmp"

        let endpoint = URL(string: "http://127.0.0.1:\(port["s3"]!.0)")!
        let (child, logPath) = try await startAndWait(
            kind: .seaweedfs, endpoint: endpoint, directory: directory, executable: weed, arguments: arguments,
            environment: environment, extraCleanup: sockets, readinessPath: "/")
        return RunningS3TestServer(
            server: S3TestServer(
                kind: .seaweedfs, endpoint: endpoint, accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
                region: region),
            logPath: logPath, child: child)
    }

    // moto: started with INITIAL_NO_AUTH_ACTION_COUNT set, so that after the few unauthenticated
    // calls moto_setup.py makes (IAM user, s3:* policy, access key) every request's SigV4
    // signature is checked against that key.
    static func launchMoto() async throws -> RunningS3TestServer {
        guard let python = S3Peers.python() else { throw S3TestServerError.peerMissing(S3Peers.missing(.moto) ?? "moto") }
        let directory = try temporaryDirectory()
        let port = try Net.freePortPairs(count: 1, offset: nil)[0].0
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        environment["PYTHONUNBUFFERED"] = "1"
        environment["TMPDIR"] = directory
        let endpoint = URL(string: "http://127.0.0.1:\(port)")!
        let (child, logPath) = try await startAndWait(
            kind: .moto, endpoint: endpoint, directory: directory, executable: python,
            arguments: ["-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"],
            environment: environment, extraCleanup: [], readinessPath: "/moto-api/config")

        let setup = Fixtures.inPackage("Tests/TestSupport/moto_setup.py")
        let result = try Subprocess.run(python, [setup, endpoint.absoluteString, region])
        let fields = result.stdout.split(whereSeparator: \.isWhitespace)
        guard result.status == 0, fields.count == 2 else {
            let log = Children.log(of: logPath)
            Children.stop(child)
            throw S3TestServerError.startFailed(
                "moto_setup.py exited \(result.status): \(result.stderr)\n--- moto log ---\n\(log)")
        }
        return RunningS3TestServer(
            server: S3TestServer(
                kind: .moto, endpoint: endpoint, accessKeyID: String(fields[0]),
                secretAccessKey: String(fields[1]), region: region),
            logPath: logPath, child: child)
    }

    private static func startAndWait(
        kind: S3TestServer.Kind, endpoint: URL, directory: String, executable: String, arguments: [String],
        environment: [String: String], extraCleanup: [String], readinessPath: String
    ) async throws -> (ChildID, logPath: String) {
        let logPath = "\(directory)/server.log"
        let start = Date()
        let child = try Children.spawn(
            directory: directory, logPath: logPath, executable: executable, arguments: arguments,
            environment: environment, extraCleanup: extraCleanup)
        let port = endpoint.port!
        while true {
            if Net.answersHTTP(port: port, path: readinessPath) { break }
            if Children.hasExited(child) || Date().timeIntervalSince(start) > readinessTimeout {
                let exited = Children.hasExited(child)
                let log = Children.log(of: logPath)
                Children.stop(child)
                if exited, log.contains("address already in use") { throw RetryablePortClash(log: log) }
                throw S3TestServerError.startFailed(
                    "\(kind) \(exited ? "exited" : "did not answer HTTP on port \(port) within \(Int(readinessTimeout)) s")"
                        + "\n--- \(executable) \(arguments.joined(separator: " ")) ---\n\(log)")
            }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return (child, logPath)
    }

    private static func temporaryDirectory() throws -> String {
        var base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        // Unix socket paths must stay short (108 bytes).
        if base.utf8.count > 60 { base = "/tmp" }
        var template = Array("\(base)/pgo-s3-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else {
            throw S3TestServerError.startFailed("mkdtemp in \(base): errno \(errno)")
        }
        return String(cString: result)
    }

    private static func randomString(_ count: Int, alphabet: String) -> String {
        let characters = Array(alphabet)
        return String((0..<count).map { _ in characters.randomElement()! })
    }
}

private struct RetryablePortClash: Error { let log: String }

// MARK: - Child processes

fileprivate typealias ChildID = Int32  // the server's pid, which is also its process group id

private struct Child {
    let pid: pid_t
    let pipeWriteFD: Int32
    let directory: String
    let extraCleanup: [String]
    var reaped = false
}

private enum Children {
    private static let children = Locked<[pid_t: Child]>([:])
    private static let registerAtExit: Void = {
        atexit { Children.killAll() }
    }()

    /// Starts a watchdog in the background, then becomes the server (exec: same pid, our child,
    /// leader of its own process group). The watchdog waits for EOF on the pipe (this process
    /// closed its end, or died) to kill the server and remove the directory.
    private static let watchdog = """
        d=$1; shift
        cd "$d" || exit 97
        exec 3<&0
        { cat >/dev/null; kill -KILL $$; rm -rf -- "$d" $PGO_S3_CLEANUP; } <&3 >/dev/null 2>&1 &
        exec "$@" </dev/null 3<&-
        """

    static func spawn(
        directory: String, logPath: String, executable: String, arguments: [String],
        environment: [String: String], extraCleanup: [String]
    ) throws -> ChildID {
        _ = registerAtExit
        let fds = try LibC.closeOnExecPipe()
        var environment = environment
        environment["PGO_S3_CLEANUP"] = extraCleanup.joined(separator: " ")
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(
                "/bin/sh", ["-c", watchdog, "pgo-s3-watchdog", directory, executable] + arguments,
                environment: environment, stdin: fds[0], stdoutPath: logPath, stderrPath: nil,
                newSession: true)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[0])
        children.withLock {
            $0[pid] = Child(pid: pid, pipeWriteFD: fds[1], directory: directory, extraCleanup: extraCleanup)
        }
        return pid
    }

    /// Whether the server has exited (by itself: it is only killed through `stop`).
    static func hasExited(_ id: ChildID) -> Bool {
        children.withLock { children in
            guard let child = children[id] else { return true }
            if child.reaped { return true }
            var status: Int32 = 0
            guard waitpid(id, &status, WNOHANG) == id else { return false }
            children[id]?.reaped = true
            return true
        }
    }

    static func log(of path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)).map { String($0.suffix(20_000)) } ?? "(no log at \(path))"
    }

    /// Kills the server's process group (its watchdog with it) and removes its files. Idempotent.
    static func stop(_ id: ChildID) {
        guard let child = children.withLock({ $0.removeValue(forKey: id) }) else { return }
        kill(-child.pid, SIGKILL)
        if !child.reaped {
            var status: Int32 = 0
            while waitpid(child.pid, &status, 0) == -1, errno == EINTR {}
        }
        close(child.pipeWriteFD)
        cleanUp(child)
    }

    /// atexit: kill every process group still running and remove the directories.
    static func killAll() {
        let all = children.withLock { children in
            defer { children.removeAll() }
            return Array(children.values)
        }
        for child in all { kill(-child.pid, SIGKILL) }
        for child in all {
            var status: Int32 = 0
            if !child.reaped { _ = waitpid(child.pid, &status, 0) }
            close(child.pipeWriteFD)
            cleanUp(child)
        }
    }

    private static func cleanUp(_ child: Child) {
        for path in [child.directory] + child.extraCleanup {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

// MARK: - posix_spawn

private enum Subprocess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a command to completion, capturing stdout and stderr (through temporary files).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let base = NSTemporaryDirectory() + "pgo-s3-cmd-\(UUID().uuidString)"
        let outPath = base + ".out"
        let errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(devNull) }
        let pid = try spawn(
            executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
            stdin: devNull, stdoutPath: outPath, stderrPath: errPath, newSession: false)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw S3TestServerError.commandFailed("waitpid \(executable): errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS; a signal gives 128 + signal.
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: exitStatus, stdout: out, stderr: err)
    }

    /// posix_spawn with stdin from `stdin`, stdout to `stdoutPath` and stderr to `stderrPath`
    /// (or to stdout when nil), nothing else inherited, default signal handling, and optionally
    /// a new session (so the child leads its own process group).
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: Int32,
        stdoutPath: String, stderrPath: String?, newSession: Bool
    ) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderrPath {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        LibC.closeFrom3(&actions)

        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        if newSession { flags |= LibC.spawnSetSID }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw S3TestServerError.startFailed("posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }
}

// MARK: - GNU extensions

/// pipe2, posix_spawn_file_actions_addclosefrom_np and POSIX_SPAWN_SETSID are GNU extensions
/// (_GNU_SOURCE), which Swift's Glibc module doesn't import: looked up at run time instead.
private enum LibC {
    #if canImport(Darwin)
    static let spawnSetSID = Int32(POSIX_SPAWN_SETSID)
    #else
    static let spawnSetSID: Int32 = 0x80  // glibc and musl <spawn.h>
    #endif

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        #if canImport(Darwin)
        let handle = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
        #else
        let handle: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
        #endif
        guard let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let pipe2 = symbol("pipe2", as: Pipe2.self)

    /// A pipe whose both ends are close-on-exec from the start, so that no other child of this
    /// process (spawned concurrently by any thread) can inherit the write end.
    static func closeOnExecPipe() throws -> [Int32] {
        var fds: [Int32] = [-1, -1]
        if let pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { throw S3TestServerError.startFailed("pipe2: errno \(errno)") }
        } else {
            guard pipe(&fds) == 0 else { throw S3TestServerError.startFailed("pipe: errno \(errno)") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return fds
    }

    #if canImport(Darwin)
    static func closeFrom3(_ actions: inout posix_spawn_file_actions_t?) {}  // POSIX_SPAWN_CLOEXEC_DEFAULT
    #else
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)

    /// The child inherits nothing but stdin, stdout and stderr (glibc 2.34+; else only what
    /// isn't close-on-exec, as usual).
    static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }
    }
    #endif
}

// MARK: - Sockets

enum Net {
    #if canImport(Glibc) || canImport(Musl)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamType = SOCK_STREAM
    #endif

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return address
    }

    private static func withSockaddr<R>(_ address: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = address
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// A socket bound to 127.0.0.1:port (0: any free port), and the port; nil when it can't bind.
    private static func bound(port: Int) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { return nil }
        let ok = withSockaddr(loopback(port: port)) { bind(fd, $0, $1) } == 0
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = ok && withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        } == 0
        guard named else {
            close(fd)
            return nil
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// `count` distinct free ports picked by binding port 0, each with a second free port at
    /// +offset when `offset` is given (else the second equals the first). All are held bound
    /// until all are picked, so they are distinct.
    static func freePortPairs(count: Int, offset: Int?) throws -> [(Int, Int)] {
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        var pairs: [(Int, Int)] = []
        var tries = 0
        while pairs.count < count {
            tries += 1
            guard tries < 1000 else { throw S3TestServerError.startFailed("no free ports on 127.0.0.1") }
            guard let first = bound(port: 0) else { continue }
            held.append(first.fd)
            guard let offset else {
                pairs.append((first.port, first.port))
                continue
            }
            guard first.port + offset <= 65535, let second = bound(port: first.port + offset) else { continue }
            held.append(second.fd)
            pairs.append((first.port, second.port))
        }
        return pairs
    }

    private static func connected(port: Int) -> Int32? {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard withSockaddr(loopback(port: port), { connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    static func canConnect(port: Int) -> Bool {
        guard let fd = connected(port: port) else { return false }
        close(fd)
        return true
    }

    /// Whether an HTTP GET of `path` gets any HTTP response (whatever its status).
    static func answersHTTP(port: Int, path: String) -> Bool {
        guard let fd = connected(port: port) else { return false }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        var received = 0
        while received < 5 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            guard n > 0 else { return false }
            received += n
        }
        return buffer.starts(with: Array("HTTP/".utf8))
    }
}
