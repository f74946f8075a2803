import Foundation
import Pprof

/// A private temporary directory for one piece of work (files a tool reads and writes), removed
/// afterwards whatever happens.
public struct ScratchDirectory: Sendable {
    public let path: String

    public static func with<T>(prefix: String, _ body: (ScratchDirectory) throws -> T) throws -> T {
        let directory = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try body(ScratchDirectory(path: directory))
    }

    public static func with<T>(prefix: String, _ body: (ScratchDirectory) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(ScratchDirectory(path: directory))
    }

    /// Writes a scratch file (no flush to disk: it lives only as long as the work) and returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws(InputError) -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
            throw InputError(source: file, problem: "cannot write a scratch file")
        }
        return file
    }
}
