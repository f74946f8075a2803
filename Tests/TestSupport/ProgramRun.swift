import Foundation

/// What a program run by a test did.
public struct ProgramRun: Sendable {
    public var status: Int32
    /// Standard output, as bytes (profiles are binary).
    public var outputData: Data
    public var errors: String
    /// Standard output as text.
    public var output: String { String(decoding: outputData, as: UTF8.self) }
    /// Both streams, for assertions and failure messages.
    public var combined: String { output + errors }
    /// The status and both streams, for callers that take them as a pair.
    public var statusAndOutput: (status: Int32, output: String) { (status, combined) }
}

/// A program that exited with a non-zero status.
public struct ProgramError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs a program to completion: the tests' one subprocess helper. Standard input is empty (no
/// TTY); standard output and error go to files, so neither can fill a pipe and block the program
/// (standard output to the file `stdout` instead, when given).
@discardableResult
public func runProgram(
    _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], stdout: String? = nil
) throws -> ProgramRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let scratch = NSTemporaryDirectory() + "pgo-test-run-" + UUID().uuidString
    let outputPath = stdout ?? scratch + ".out", errorPath = scratch + ".err"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer {
        if stdout == nil { try? FileManager.default.removeItem(atPath: outputPath) }
        try? FileManager.default.removeItem(atPath: errorPath)
    }
    let outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardOutput = outputHandle
    process.standardError = errorHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try outputHandle.close()
    try errorHandle.close()
    let output = stdout == nil ? ((try? Data(contentsOf: URL(fileURLWithPath: outputPath))) ?? Data()) : Data()
    return ProgramRun(status: process.terminationStatus, outputData: output, errors: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
}

/// Runs a program that must succeed.
@discardableResult
public func runChecked(_ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> ProgramRun {
    let run = try runProgram(executable, arguments, in: directory, environment: environment)
    guard run.status == 0 else {
        throw ProgramError(description: "\(executable) \(arguments.joined(separator: " ")) exited \(run.status): \(run.combined)")
    }
    return run
}
