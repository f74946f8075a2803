import Foundation

/// The toolchain's llvm-profdata, which alone knows the raw format of the binaries its swiftc
/// builds (Debian's LLVM 14 copy cannot read Swift 6's raw profiles). Found the way cargo-pgo
/// finds its own, in the compiler's toolchain: next to the real `swiftc`; `$PGO_LLVM_PROFDATA`
/// overrides it, and is then checked against the toolchain's LLVM.
public struct LLVMProfdata: Sendable {
    public var path: String
    /// `LLVM version X.Y.Z` from `--version`.
    public var llvmVersion: String
    var subprocess: Subprocess

    /// The llvm-profdata to merge instrumented profiles with, checked against the toolchain's LLVM.
    public static func locate(in toolchain: Toolchain) throws(ToolchainError) -> LLVMProfdata {
        let swiftc = toolchain.swiftc
        let explicit = toolchain.llvmProfdataOverride
        guard let path = explicit ?? toolchain.tool("llvm-profdata") else {
            throw ToolchainError(description: """
                llvm-profdata not found next to swiftc (\(swiftc ?? "no swiftc on PATH")): merging instrumented profiles needs the \
                llvm-profdata of the toolchain that built the service. Install a full Swift toolchain (it ships usr/bin/llvm-profdata), \
                or set SWIFTC to the swiftc of one that has it, or PGO_LLVM_PROFDATA to that toolchain's llvm-profdata
                """)
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ToolchainError(description: "PGO_LLVM_PROFDATA=\(path) is not an executable file")
        }
        let subprocess = toolchain.subprocess
        let version = try llvmVersion(of: path, marker: "LLVM version ", subprocess)
        // The toolchain's own LLVM, from the clang that sits next to swiftc.
        if let clang = toolchain.tool("clang"),
           let expected = try? llvmVersion(of: clang, marker: "clang version ", subprocess),
           major(version) != major(expected) {
            throw ToolchainError(description: """
                \(path) is LLVM \(version), but the Swift toolchain of \(swiftc ?? "swiftc") is LLVM \(expected): raw profiles \
                from binaries it builds need the llvm-profdata of the same LLVM. \
                \(explicit != nil ? "Unset PGO_LLVM_PROFDATA to use the one next to swiftc, or point it at" : "Set PGO_LLVM_PROFDATA to") \
                the llvm-profdata of LLVM \(major(expected))
                """)
        }
        return LLVMProfdata(path: path, llvmVersion: version, subprocess: subprocess)
    }

    private static func major(_ version: String) -> Substring { version.split(separator: ".").first ?? "" }

    private static func llvmVersion(of tool: String, marker: String, _ subprocess: Subprocess) throws(ToolchainError) -> String {
        let result: Subprocess.Result
        do { result = try subprocess.run(tool, ["--version"]) } catch { throw ToolchainError(description: error.description) }
        let text = result.outputText + String(decoding: result.errors, as: UTF8.self)
        guard let range = text.range(of: marker) else {
            throw ToolchainError(description: "\(tool) --version printed no '\(marker)': is it an LLVM tool?")
        }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// Runs llvm-profdata; a non-zero exit is an error carrying what it printed.
    @discardableResult
    public func run(_ arguments: [String]) throws(ToolchainError) -> String {
        let result: Subprocess.Result
        do { result = try subprocess.run(path, arguments) } catch { throw ToolchainError(description: error.description) }
        guard result.status == 0 else {
            throw ToolchainError(description: "\(path) \(arguments.first ?? "") failed: \(result.errorText)")
        }
        return result.outputText
    }
}
