import Foundation

/// `fault_proxy.py` in front of an S3 server: forwards every request, and damages a seeded
/// random share of the responses (503s, dropped connections, corrupted bytes, delays, trickled
/// bodies).
public final class FaultProxy: Sendable {
    private let server: ScriptServer

    public init(upstreamPort: Int, seed: Int) throws {
        server = try ScriptServer(script: "Tests/TestSupport/fault_proxy.py", arguments: [String(upstreamPort), String(seed)])
    }

    public var endpoint: String { server.endpoint }

    /// How many requests met each fault, as the proxy counts them.
    public func stats() throws -> String {
        String(decoding: try Data(contentsOf: URL(string: endpoint + "/__stats")!), as: UTF8.self)
    }

    public func stop() { server.stop() }
}
