import Foundation
import Testing

/// A Python test server of this package's (a stand-in S3 endpoint, the fault proxy): started with
/// its arguments and a port file, which the script renames into place once it listens, so the
/// port is never read half-written. Killed when stopped or dropped.
public final class ScriptServer: @unchecked Sendable {
    private let process = Process()
    public let port: Int

    /// Runs `Tests/…/script` (a path under the package) with `arguments`, then the port file's path.
    public init(script: String, arguments: [String]) throws {
        let python = try Peer.python.require()
        let portFile = NSTemporaryDirectory() + "pgo-script-server-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.inPackage(script)] + arguments + [portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port: Int? = nil
        for _ in 0..<400 where port == nil {  // up to 10 s
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(25_000) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ProgramError(description: "\(script) did not start")
        }
        self.port = port
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        // SIGKILL: a child spawned from a test thread may inherit a mask that blocks SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
