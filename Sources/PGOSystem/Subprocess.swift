import Foundation

/// Runs a program to completion: the one subprocess runner of the package. Both pipes are
/// drained at once (standard error on its own thread), so a chatty tool can never fill one and
/// block; standard error is kept for error messages, never dropped.
public struct Subprocess: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var errors: [UInt8]
        public var outputText: String { String(decoding: output, as: UTF8.self) }
        /// Standard error without surrounding white space, for messages.
        public var errorText: String { String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    public init() {}

    /// Runs `executable` with `arguments`, standard input from `input` (written on its own
    /// thread, so a program that answers as it reads cannot deadlock against it) or /dev/null;
    /// throws only when the program cannot be started (a non-zero status is the caller's to judge).
    public func run(_ executable: String, _ arguments: [String], input: [UInt8]? = nil) throws(SubprocessError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let inputPipe = input.map { _ in Pipe() }
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        do { try process.run() } catch {
            throw SubprocessError(description: "cannot run \(executable): \(error.localizedDescription)")
        }
        let fed = DispatchSemaphore(value: 0)
        if let inputPipe, let input {
            _ = Self.ignoreBrokenPipes
            DispatchQueue.global().async {
                // A program that exits early closes the pipe: the rest is not wanted (EPIPE, not SIGPIPE: see ignoreBrokenPipes).
                try? inputPipe.fileHandleForWriting.write(contentsOf: Data(input))
                try? inputPipe.fileHandleForWriting.close()
                fed.signal()
            }
        } else {
            fed.signal()
        }
        let errorData = Locked(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.set(data)
            drained.signal()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        drained.wait()
        fed.wait()
        return Result(status: process.terminationStatus, output: [UInt8](outputData), errors: [UInt8](errorData.value))
    }
}

extension Subprocess {
    /// A write to a pipe whose reader exited fails with EPIPE instead of killing this process.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()
}

/// A program that could not be run, or that failed.
public struct SubprocessError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
