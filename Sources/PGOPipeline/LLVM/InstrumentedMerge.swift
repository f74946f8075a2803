import Foundation
import LLVMProfile
import PGOSystem

extension InstrumentedProfileMerge {
    /// Merges `inputs` with the toolchain's llvm-profdata into one indexed `.profdata`, smoothed
    /// against swiftc's zero-count crash (see `plan`), and reads the result back before handing
    /// it on: swiftc must never see a profile llvm-profdata cannot read.
    ///
    /// `sourceRoot`: Swift keys file-private and internal functions by the absolute path of
    /// their source file, so a profile recorded from a checkout at another path matches nothing;
    /// names outside the root are reported.
    public static func merge(_ inputs: [Input], sourceRoot: String?, smoothing: Bool = true, tool: LLVMProfdata) throws -> Result {
        let plan = try plan(inputs, smoothing: smoothing)
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
