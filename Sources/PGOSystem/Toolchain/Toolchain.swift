import Foundation

/// The Swift toolchain in use, found once and handed to whatever runs its tools: the LLVM tools
/// whose formats change with the toolchain (llvm-profdata, llvm-symbolizer, llvm-objcopy) are the
/// copies next to the real `swiftc` (`$SWIFTC`, else `swiftc` on PATH, symlinks resolved), never
/// an older system copy. `$PGO_LLVM_PROFDATA` overrides llvm-profdata for merging.
public struct Toolchain: Sendable {
    /// The `swiftc` found, as found (nil when there is none).
    public var swiftc: String?
    /// The directory of the real `swiftc`, where its LLVM tools sit.
    public var directory: String?
    /// `$PGO_LLVM_PROFDATA`, when set.
    public var llvmProfdataOverride: String?
    /// How to run the tools.
    public var subprocess: Subprocess

    public init(swiftc: String?, llvmProfdataOverride: String? = nil, subprocess: Subprocess = Subprocess()) {
        self.swiftc = swiftc
        self.directory = swiftc.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().deletingLastPathComponent().path }
        self.llvmProfdataOverride = llvmProfdataOverride
        self.subprocess = subprocess
    }

    /// The toolchain that `environment` (its SWIFTC, PATH and PGO_LLVM_PROFDATA) names.
    public static func locate(environment: [String: String]) -> Toolchain {
        let files = FileManager.default
        var swiftc: String? = nil
        if let explicit = environment["SWIFTC"], files.isExecutableFile(atPath: explicit) {
            swiftc = explicit
        } else {
            swiftc = (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/swiftc" }.first { files.isExecutableFile(atPath: $0) }
        }
        return Toolchain(swiftc: swiftc, llvmProfdataOverride: environment["PGO_LLVM_PROFDATA"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `name` in the directory of the real `swiftc`, or nil.
    public func tool(_ name: String) -> String? {
        guard let directory else { return nil }
        let candidate = directory + "/" + name
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// The llvm-symbolizer next to swiftc, or an error saying how to get one.
    public func llvmSymbolizer() throws(ToolchainError) -> String {
        guard let tool = tool("llvm-symbolizer") else {
            throw ToolchainError(description: "llvm-symbolizer not found next to swiftc (\(swiftc ?? "no swiftc on PATH")); install a Swift toolchain that ships it, or set SWIFTC to one that does")
        }
        return tool
    }
}

/// A tool of the toolchain that is missing, of the wrong version, or failed.
public struct ToolchainError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
