import Foundation
import Pprof
import LLVMProfile
import PGOPipeline
import PGOSystem
import TestSupport

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
