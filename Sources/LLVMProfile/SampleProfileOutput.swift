import Foundation
import Pprof

/// Why a sample profile was not written.
public struct SampleProfileValidationError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// How a sample profile is encoded on disk; swiftc (`-profile-sample-use`) reads both.
public enum SampleProfileEncoding: String, CaseIterable, Sendable {
    /// Line-oriented text: readable, diffable.
    case text
    /// LLVM's extensible binary format: smaller, and carries a precomputed profile summary.
    case extbinary
}

extension SampleProfile {
    /// The bytes to write in `format`, checked first: our reader must read them back to the same
    /// profile (for extbinary: the same `canonical()` model and the summary computed from it),
    /// and the toolchain's `llvm-profdata show --sample` (when found next to swiftc) must accept
    /// them. swiftc silently ignores a malformed profile, so nothing unchecked is handed to it.
    public func validatedBytes(format: SampleProfileEncoding, llvmProfdata: String? = Toolchain.tool("llvm-profdata")) throws -> [UInt8] {
        switch format {
        case .text:
            return Array(try validatedText(llvmProfdata: llvmProfdata).utf8)
        case .extbinary:
            let expected = try canonical()
            guard !expected.functions.isEmpty else {
                throw SampleProfileValidationError(description: "the profile has no samples with line information to convert")
            }
            let bytes = try extBinaryFormat()
            let reread: (profile: SampleProfile, summary: SampleProfileSummary?)
            do { reread = try SampleProfile.readExtBinary(bytes) } catch {
                throw SampleProfileValidationError(description: "our reader rejects the written extbinary profile: \(error)")
            }
            guard reread.profile == expected else {
                throw SampleProfileValidationError(description: "the written extbinary profile does not read back the same")
            }
            guard reread.summary == SampleProfileSummary(of: expected) else {
                throw SampleProfileValidationError(description: "the written extbinary profile's summary does not match its samples")
            }
            if let llvmProfdata { try Self.check(bytes, with: llvmProfdata) }
            return bytes
        }
    }

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
        if let llvmProfdata { try Self.check(Array(text.utf8), with: llvmProfdata) }
        return text
    }

    private static func check(_ bytes: [UInt8], with llvmProfdata: String) throws {
        let path = NSTemporaryDirectory() + "pgo-check-" + UUID().uuidString + ".prof"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
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
