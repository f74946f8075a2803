import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof

/// The one path from a merged pprof profile to the bytes of an LLVM sample profile, for
/// `pgo convert` and `pgo fetch --llvm`: symbolize against the exact binary (when given) with
/// the toolchain's llvm-symbolizer, convert, encode, and check before anything is written.
public enum SampleProfileWorkflow {
    /// Replaces the lines of the locations in `binary`'s mapping with what the toolchain's
    /// llvm-symbolizer says (see `Symbolization.symbolize`).
    public static func symbolize(_ profile: Profile, binary: String, toolchain: Toolchain) throws -> SymbolizedProfile {
        let symbolizer = try toolchain.llvmSymbolizer()
        // Only the build ID and the segments are needed: the symbol tables of a large binary are not read.
        let elf = try ELFFile(path: binary, readingSymbols: false)
        return try Symbolization.symbolize(profile, binary: binary, elf: elf) { addresses in
            try frames(of: addresses, in: binary, symbolizer: symbolizer, subprocess: toolchain.subprocess)
        }
    }

    /// llvm-symbolizer's frames for `addresses` of `binary`, innermost first.
    public static func frames(
        of addresses: [UInt64], in binary: String, symbolizer: String, subprocess: Subprocess
    ) throws -> [[Symbolization.Frame]] {
        guard !addresses.isEmpty else { return [] }
        let result = try subprocess.run(symbolizer, Symbolization.symbolizerArguments(binary: binary, addresses: addresses))
        guard result.status == 0 else {
            throw SymbolizationError(description: "\(symbolizer) failed with status \(result.status)" + (result.errorText.isEmpty ? "" : ": \(result.errorText)"))
        }
        return try Symbolization.frames(fromSymbolizerJSON: Data(result.output), addressCount: addresses.count, symbolizer: symbolizer)
    }

    /// Converts a merged CPU profile, first symbolizing it against `binary` when one is given.
    public static func convert(
        _ profile: Profile, symbolizingAgainst binary: String?, toolchain: Toolchain, report: inout ConversionReport
    ) throws -> SampleProfile {
        guard let binary else { return SampleProfile(converting: profile, report: &report) }
        let symbolized = try symbolize(profile, binary: binary, toolchain: toolchain)
        return SampleProfile(converting: symbolized.profile, discriminators: symbolized.discriminators, report: &report)
    }
}

extension SampleProfile {
    /// The bytes to write in `format`: read back by our own reader (`validatedBytes`), then by
    /// the toolchain's `llvm-profdata show --sample` when the toolchain has one. swiftc silently
    /// ignores a malformed profile, so nothing unchecked is handed to it.
    public func checkedBytes(format: SampleProfileEncoding, toolchain: Toolchain) throws -> [UInt8] {
        let bytes = try validatedBytes(format: format)
        if let llvmProfdata = toolchain.tool("llvm-profdata") {
            try Self.check(bytes, with: llvmProfdata, subprocess: toolchain.subprocess)
        }
        return bytes
    }

    private static func check(_ bytes: [UInt8], with llvmProfdata: String, subprocess: Subprocess) throws {
        try ScratchDirectory.with(prefix: "pgo-check") { scratch in
            let path = try scratch.write(bytes, to: "profile.prof")
            let result = try subprocess.run(llvmProfdata, ["show", "--sample", path])
            guard result.status == 0 else {
                throw SampleProfileValidationError(description: "\(llvmProfdata) rejects the written profile: \(result.errorText)")
            }
        }
    }
}
