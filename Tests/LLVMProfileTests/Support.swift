import Foundation
import Pprof
import LLVMProfile
import PGOPipeline
import PGOSystem
import TestSupport

/// A program run, as this suite's tests name its parts.
typealias ToolRun = ProgramRun

extension ProgramRun {
    var stderr: String { errors }
}

/// TestSupport's `runProgram`, with this suite's argument order.
@discardableResult
func runTool(
    _ executable: String, _ arguments: [String], stdout: String? = nil, environment: [String: String] = [:], in directory: String? = nil
) throws -> ProgramRun {
    try runProgram(executable, arguments, in: directory, environment: environment, stdout: stdout)
}

func swiftc() throws -> String {
    guard let path = testToolchain.swiftc else { throw ProgramError(description: "swiftc not found on PATH") }
    return path
}

extension SampleProfile {
    /// The text form, read back by our reader and by the toolchain's llvm-profdata.
    func checkedText(_ toolchain: Toolchain) throws -> String {
        String(decoding: try checkedBytes(format: .text, toolchain: toolchain), as: UTF8.self)
    }
}
