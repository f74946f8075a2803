import Foundation

/// The toolchain's llvm-profdata, which alone knows the raw format of the binaries its swiftc
/// builds (Debian's LLVM 14 copy cannot read Swift 6's raw profiles). Found the way cargo-pgo
/// finds its own, in the compiler's toolchain: next to the real `swiftc` (`$SWIFTC`, else PATH);
/// `$PGO_LLVM_PROFDATA` overrides it, and is then checked against the toolchain's LLVM.
public struct LLVMProfdata: Sendable {
    public var path: String
    /// `LLVM version X.Y.Z` from `--version`.
    public var llvmVersion: String

    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LLVMProfdata {
        let swiftc = Toolchain.swiftc(environment: environment)
        let explicit = environment["PGO_LLVM_PROFDATA"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = explicit ?? Toolchain.tool("llvm-profdata", environment: environment) else {
            throw Error(description: """
                llvm-profdata not found next to swiftc (\(swiftc ?? "no swiftc on PATH")): merging instrumented profiles needs the \
                llvm-profdata of the toolchain that built the service. Install a full Swift toolchain (it ships usr/bin/llvm-profdata), \
                or set SWIFTC to the swiftc of one that has it, or PGO_LLVM_PROFDATA to that toolchain's llvm-profdata
                """)
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Error(description: "PGO_LLVM_PROFDATA=\(path) is not an executable file")
        }
        let version = try llvmVersion(of: path, arguments: ["--version"], marker: "LLVM version ")
        // The toolchain's own LLVM, from the clang that sits next to swiftc.
        if let clang = Toolchain.tool("clang", environment: environment),
           let expected = try? llvmVersion(of: clang, arguments: ["--version"], marker: "clang version "),
           major(version) != major(expected) {
            throw Error(description: """
                \(path) is LLVM \(version), but the Swift toolchain of \(swiftc ?? "swiftc") is LLVM \(expected): raw profiles \
                from binaries it builds need the llvm-profdata of the same LLVM. \
                \(explicit != nil ? "Unset PGO_LLVM_PROFDATA to use the one next to swiftc, or point it at" : "Set PGO_LLVM_PROFDATA to") \
                the llvm-profdata of LLVM \(major(expected))
                """)
        }
        return LLVMProfdata(path: path, llvmVersion: version)
    }

    private static func major(_ version: String) -> Substring { version.split(separator: ".").first ?? "" }

    private static func llvmVersion(of tool: String, arguments: [String], marker: String) throws -> String {
        let result = try runTool(tool, arguments)
        let text = result.output + result.errors
        guard let range = text.range(of: marker) else {
            throw Error(description: "\(tool) \(arguments.joined(separator: " ")) printed no '\(marker)': is it an LLVM tool?")
        }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// Runs llvm-profdata; a non-zero exit is an error carrying what it printed.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let result = try Self.runTool(path, arguments)
        guard result.status == 0 else {
            throw Error(description: "\(path) \(arguments.first ?? "") failed: \(result.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.output
    }

    static func runTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw Error(description: "cannot run \(tool): \(error.localizedDescription)") }
        // Drain stderr on another thread so that neither pipe can fill up and block the tool.
        let errorData = LockedData()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
            drained.signal()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        drained.wait()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData.value, as: UTF8.self))
    }
}

/// Data handed from the stderr-draining thread.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var value: Data { lock.withLock { data ?? Data() } }
}
