import Foundation
import PGOSystem
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real elfutils debuginfod serving the ELF files of a directory (`debuginfod -F DIR`) on
/// 127.0.0.1, for tests that fetch symbol files through `DEBUGINFOD_URLS`. Started with a free
/// port and ready once it serves the build IDs it was asked to wait for; killed when stopped.
public final class DebuginfodServer: @unchecked Sendable {
    private let process = Process()
    private let database: String
    public let port: Int

    /// Serves `directory`, and returns once each of `buildIDs` is served (the scan is
    /// asynchronous), or throws after `timeout` seconds.
    public init(serving directory: String, waitingFor buildIDs: [String], timeout: TimeInterval = 60) throws {
        let server = try Peer.debuginfod.require()
        database = NSTemporaryDirectory() + "pgo-debuginfod-" + UUID().uuidString + ".sqlite"
        port = try Net.freePortPairs(count: 1, offset: nil)[0].0
        process.executableURL = URL(fileURLWithPath: server)
        // -F: index ELF files under the directory; -t1: rescan every second; -g0: no grooming pauses.
        process.arguments = ["-F", directory, "-p", String(port), "-d", database, "-t", "1", "-g", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        for buildID in buildIDs {
            while !Self.serves(URL(string: "\(endpoint)/buildid/\(buildID)/debuginfo")!) {
                guard process.isRunning, Date() < deadline else {
                    stop()
                    throw ProgramError(description: "debuginfod on port \(port) did not serve \(buildID) within \(Int(timeout)) s")
                }
                usleep(100_000)
            }
        }
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
    }

    deinit { stop() }

    /// Whether a GET of `url` answers 200.
    static func serves(_ url: URL) -> Bool {
        // GET: debuginfod 0.188 answers HEAD with 400 ("we support GET only").
        let request = URLRequest(url: url, timeoutInterval: 5)
        let done = DispatchSemaphore(value: 0)
        let ok = Locked(false)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            ok.set((response as? HTTPURLResponse)?.statusCode == 200)
            done.signal()
        }.resume()
        done.wait()
        return ok.value
    }
}
