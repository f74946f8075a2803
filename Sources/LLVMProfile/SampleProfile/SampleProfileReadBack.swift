import Foundation
import Pprof

/// Why a sample profile was not written.
public struct SampleProfileValidationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
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
    /// profile (for extbinary: the same `canonical()` model and the summary computed from it).
    /// swiftc silently ignores a malformed profile, so nothing unchecked is handed to it; the
    /// pipeline also has the toolchain's `llvm-profdata` read them (`checkedBytes`).
    public func validatedBytes(format: SampleProfileEncoding) throws -> [UInt8] {
        switch format {
        case .text:
            return Array(try validatedText().utf8)
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
            return bytes
        }
    }

    /// The text to write, checked first: our reader must read it back to the same profile.
    public func validatedText() throws -> String {
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
        return text
    }
}
