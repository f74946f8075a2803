import Foundation
import Pprof

/// Why a sample profile was not written.
public struct SampleProfileValidationError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension SampleProfile {
    /// The text to write, checked first: our reader must read it back to the same profile, and
    /// the toolchain's `llvm-profdata show --sample` (when found next to swiftc) must accept it.
    /// swiftc silently ignores a malformed profile, so nothing unchecked is handed to it.
    public func validatedText(llvmProfdata: String? = Toolchain.tool("llvm-profdata")) throws -> String {
        let text = textFormat()
        guard !functions.isEmpty, !text.isEmpty else {
            throw SampleProfileValidationError(description: "the profile has no samples with line information to convert")
        }
        let reread: SampleProfile
        do { reread = try SampleProfile(text: text) } catch {
            throw SampleProfileValidationError(description: "our reader rejects the written profile: \(error)")
        }
        guard reread.textFormat() == text else {
            throw SampleProfileValidationError(description: "the written profile does not read back the same")
        }
        if let llvmProfdata { try Self.check(text, with: llvmProfdata) }
        return text
    }

    private static func check(_ text: String, with llvmProfdata: String) throws {
        let path = NSTemporaryDirectory() + "pgo-check-" + UUID().uuidString + ".prof"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: llvmProfdata)
        process.arguments = ["show", "--sample", path]
        let output = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = output
        try process.run()
        let errors = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SampleProfileValidationError(description: "\(llvmProfdata) rejects the written profile: \(errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
