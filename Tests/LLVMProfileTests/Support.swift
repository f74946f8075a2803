import Foundation
@testable import LLVMProfile

/// What a program run by a test did.
struct ToolRun {
    var status: Int32
    var output: String
    var errors: String
    /// Both streams, for failure messages.
    var stderr: String { errors }
    var combined: String { output + errors }
}

/// Runs a program to completion: standard error goes to a file and standard output to a pipe (or
/// to the file `stdout`), so that neither can fill up and block the program.
@discardableResult
func runTool(
    _ executable: String, _ arguments: [String], stdout: String? = nil, environment: [String: String] = [:], in directory: String? = nil
) throws -> ToolRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let errorPath = NSTemporaryDirectory() + "pgo-test-stderr-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardError = errorHandle
    let pipe = Pipe()
    var outputHandle: FileHandle? = nil
    if let stdout {
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardOutput = outputHandle
    } else {
        process.standardOutput = pipe
    }
    try process.run()
    let output = stdout == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
    process.waitUntilExit()
    try errorHandle.close()
    try outputHandle?.close()
    return ToolRun(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                   errors: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
}

/// Runs a program that must succeed.
func runChecked(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws {
    let result = try runTool(tool, arguments, environment: environment)
    guard result.status == 0 else {
        throw LLVMProfdata.Error(description: "\(tool) \(arguments.joined(separator: " ")) exited \(result.status): \(result.combined)")
    }
}

func swiftc() throws -> String {
    guard let path = Toolchain.swiftc() else { throw LLVMProfdata.Error(description: "swiftc not found on PATH") }
    return path
}
