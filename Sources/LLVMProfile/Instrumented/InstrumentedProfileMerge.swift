import Foundation

/// Merges instrumented profiles (`.profraw` from `-profile-generate` binaries, `.profdata`) into
/// one indexed `.profdata` for `-profile-use`, with the guards swiftc 6.3.1 needs.
public enum InstrumentedProfileMerge {
    public struct Input: Sendable {
        /// A name for messages: the store key or file.
        public var source: String
        public var bytes: [UInt8]
        public init(source: String, bytes: [UInt8]) {
            self.source = source
            self.bytes = bytes
        }
    }

    public struct Result: Sendable {
        /// The indexed profile.
        public var profdata: [UInt8]
        public var functionCount: Int
        /// Whether every counter was raised by one (the zero-count guard).
        public var smoothed: Bool
        public var warnings: [String]
    }

    /// Merges `inputs` with the toolchain's llvm-profdata.
    ///
    /// Smoothing: swiftc 6.3.1 crashes in its inliner (`takenProbability >= 0`, ColdBlockInfo)
    /// when a branch has both successors at count 0, which every function that never ran has.
    /// So one copy of each distinct binary's raw profile, with every counter set to 1, joins the
    /// merge: every counter of every function gets exactly one more count, whatever the number
    /// of inputs, and hot/cold ratios stay as measured. Only raw inputs can be smoothed this way.
    ///
    /// `sourceRoot`: Swift keys file-private and internal functions by the absolute path of
    /// their source file, so a profile recorded from a checkout at another path matches nothing;
    /// names outside the root are reported.
    public static func merge(_ inputs: [Input], sourceRoot: String?, smoothing: Bool = true, tool: LLVMProfdata) throws -> Result {
        guard !inputs.isEmpty else { throw LLVMProfdata.Error(description: "no instrumented profiles to merge") }
        let directory = NSTemporaryDirectory() + "pgo-instr-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var files: [String] = []
        var warnings: [String] = []
        var onesByBinary: [[UInt8]: String] = [:]
        var unsmoothable = 0
        for (index, input) in inputs.enumerated() {
            let isRaw = input.bytes.starts(with: [0x81, 0x72, 0x66, 0x6f, 0x72, 0x70, 0x6c, 0xff])
            let path = "\(directory)/\(index)" + (isRaw ? ".profraw" : ".profdata")
            try Data(input.bytes).write(to: URL(fileURLWithPath: path))
            files.append(path)
            guard isRaw else {
                unsmoothable += 1
                continue
            }
            let layout = try RawProfileLayout(parsing: input.bytes, source: input.source)
            guard smoothing else { continue }
            let identity = layout.identityRanges.flatMap { input.bytes[$0] }
            if onesByBinary[identity] == nil {
                let ones = "\(directory)/ones-\(onesByBinary.count).profraw"
                try Data(layout.withEveryCounter(setTo: 1, in: input.bytes)).write(to: URL(fileURLWithPath: ones))
                onesByBinary[identity] = ones
            }
        }
        if smoothing, unsmoothable > 0 {
            warnings.append("\(unsmoothable) .profdata input\(unsmoothable == 1 ? "" : "s") cannot be smoothed (only .profraw counters can): swiftc 6.3.1 may crash on branches they never took; upload the .profraw files instead")
        }

        let output = directory + "/merged.profdata"
        let list = directory + "/inputs.txt"
        try (files + onesByBinary.values.sorted()).joined(separator: "\n").write(toFile: list, atomically: false, encoding: .utf8)
        do {
            try tool.run(["merge", "--instr", "--input-files=\(list)", "-o", output])
        } catch {
            throw LLVMProfdata.Error(description: "\(error)" + hint(forMergeFailure: "\(error)", tool: tool))
        }
        // Read back before handing it on: swiftc must never see a profile llvm-profdata cannot read.
        let names = try functionNames(inProfile: output, tool: tool)
        guard !names.isEmpty else { throw LLVMProfdata.Error(description: "the merged instrumented profile has no functions") }
        if let sourceRoot, let warning = sourcePathWarning(names: names, sourceRoot: sourceRoot) { warnings.append(warning) }
        guard let bytes = FileManager.default.contents(atPath: output) else {
            throw LLVMProfdata.Error(description: "llvm-profdata wrote no output")
        }
        return Result(profdata: [UInt8](bytes), functionCount: names.count, smoothed: smoothing && !onesByBinary.isEmpty, warnings: warnings)
    }

    private static func hint(forMergeFailure message: String, tool: LLVMProfdata) -> String {
        guard message.contains("version") || message.contains("unsupported") else { return "" }
        return ". The profiles were written by binaries of another LLVM than \(tool.path) (LLVM \(tool.llvmVersion)): use the llvm-profdata of the toolchain that built the service (SWIFTC or PGO_LLVM_PROFDATA)"
    }

    /// The function names (PGO names: `FILE:NAME` for file-scoped ones) of an indexed profile.
    static func functionNames(inProfile path: String, tool: LLVMProfdata) throws -> [String] {
        let text = try tool.run(["show", "--instr", "--all-functions", path])
        // Each function is a line indented by exactly two spaces and ending in ':', followed by
        // its details indented by four.
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") else { return nil }
            return String(line.dropFirst(2).dropLast())
        }
    }

    /// A warning when file-scoped functions name source files outside `sourceRoot`.
    static func sourcePathWarning(names: [String], sourceRoot: String) -> String? {
        let root = URL(fileURLWithPath: sourceRoot).standardizedFileURL.path
        let files = Set(names.compactMap { name -> String? in
            // "/abs/path/File.swift:$s..." (a relative path means the build ran swiftc by hand).
            guard name.hasPrefix("/"), let colon = name.firstIndex(of: ":") else { return nil }
            return String(name[..<colon])
        })
        let outside = files.filter { !$0.hasPrefix(root.hasSuffix("/") ? root : root + "/") }.sorted()
        guard !outside.isEmpty else { return nil }
        let affected = names.filter { name in outside.contains { name.hasPrefix($0 + ":") } }.count
        let examples = outside.prefix(3).joined(separator: ", ")
        return """
            the instrumented profile was recorded from sources outside this build's source root \(root) \
            (\(outside.count) file\(outside.count == 1 ? "" : "s"), e.g. \(examples)): Swift keys internal and private functions \
            by absolute source path, so \(affected) of \(names.count) functions will match nothing. Build the instrumented \
            binary from the same path as the release build (for example the same WORKDIR in Docker)
            """
    }
}
