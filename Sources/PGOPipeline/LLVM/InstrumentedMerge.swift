import Foundation
import LLVMProfile
import PGOSystem
import Pprof
import ProfileStore

extension InstrumentedProfileMerge {
    /// Merges `inputs` with the toolchain's llvm-profdata into one indexed `.profdata`, smoothed
    /// against swiftc's zero-count crash (see `plan`), and reads the result back before handing
    /// it on: swiftc must never see a profile llvm-profdata cannot read.
    ///
    /// `sourceRoot`: Swift keys file-private and internal functions by the absolute path of
    /// their source file, so a profile recorded from a checkout at another path matches nothing;
    /// names outside the root are reported.
    public static func merge(
        _ inputs: [Input], templates: [[UInt8]] = [], sourceRoot: String?, smoothing: Bool = true, tool: LLVMProfdata
    ) throws -> Result {
        let plan = try plan(inputs, templates: templates, smoothing: smoothing)
        return try ScratchDirectory.with(prefix: "pgo-instr") { scratch in
            let paths = try plan.files.map { try scratch.write($0.bytes, to: $0.name) }
            let list = try scratch.write(Array(paths.joined(separator: "\n").utf8), to: "inputs.txt")
            let output = scratch.path + "/merged.profdata"
            do {
                try tool.run(["merge", "--instr", "--input-files=\(list)", "-o", output])
            } catch {
                throw ToolchainError(description: "\(error)" + hint(forMergeFailure: "\(error)", toolPath: tool.path, llvmVersion: tool.llvmVersion))
            }
            let names = functionNames(fromShowOutput: try tool.run(["show", "--instr", "--all-functions", output]))
            guard !names.isEmpty else { throw InstrumentedMergeError(description: "the merged instrumented profile has no functions") }
            var warnings = plan.warnings
            if let sourceRoot, let warning = sourcePathWarning(names: names, sourceRoot: sourceRoot) { warnings.append(warning) }
            let profdata = try BoundedFile.read(output, limit: Int.max)
            return Result(profdata: profdata, functionCount: names.count, smoothed: plan.smoothed, warnings: warnings)
        }
    }
}

extension StoredProfile {
    /// Why `bytes` are not the instrumented profile this object's key names (a raw profile that
    /// does not parse, or another kind); nil when they are.
    public func instrumentedProblem(_ bytes: [UInt8]) -> String? {
        let found = ProfileKind(detecting: bytes)
        if found == .llvmRaw {
            do throws(InputError) { _ = try RawProfileLayout(parsing: bytes, source: "") } catch { return error.problem }
        }
        return found == kind ? nil : "named \(kind.rawValue) but holds \(found.rawValue)"
    }
}
