import Foundation
import Testing

/// `fault_proxy.py` in front of an S3 server: forwards every request, and damages a seeded
/// random share of the responses (503s, dropped connections, corrupted bytes, delays, trickled
/// bodies). `stop()`, or dropping it, ends it.
public final class FaultProxy: @unchecked Sendable {
    private let process = Process()
    public let port: Int

    public init(upstreamPort: Int, seed: Int) throws {
        let python = try Peer.python.require()
        let portFile = NSTemporaryDirectory() + "pgo-fault-proxy-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.inPackage("Tests/TestSupport/fault_proxy.py"), String(upstreamPort), String(seed), portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port: Int? = nil
        // The proxy writes its port file once it listens (renamed into place, so never half-written).
        for _ in 0..<400 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(25_000) }
        }
        guard let port else {
            process.terminate()
            throw ProgramError(description: "the fault proxy did not start")
        }
        self.port = port
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// How many requests met each fault, as the proxy counts them.
    public func stats() throws -> String {
        String(decoding: try Data(contentsOf: URL(string: endpoint + "/__stats")!), as: UTF8.self)
    }

    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
