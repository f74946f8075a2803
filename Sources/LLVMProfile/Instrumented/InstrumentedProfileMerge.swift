import BinaryFormats
import Foundation

/// Merges instrumented profiles (`.profraw` from `-profile-generate` binaries, `.profdata`) into
/// one indexed `.profdata` for `-profile-use`, with the guards swiftc 6.3.1 needs.
public enum InstrumentedProfileMerge {
    public struct Input: Sendable {
        /// A name for messages: the store key or file.
        public var source: String
        public var bytes: [UInt8]
        /// An indexed profile whose binaries' smoothing templates are given to `plan` (a rollup):
        /// it needs no warning that it cannot be smoothed.
        public var hasTemplates: Bool
        public init(source: String, bytes: [UInt8], hasTemplates: Bool = false) {
            self.source = source
            self.bytes = bytes
            self.hasTemplates = hasTemplates
        }
    }

    public struct Result: Sendable {
        /// The indexed profile.
        public var profdata: [UInt8]
        public var functionCount: Int
        /// Whether every counter was raised by one (the zero-count guard).
        public var smoothed: Bool
        public var warnings: [String]

        public init(profdata: [UInt8], functionCount: Int, smoothed: Bool, warnings: [String]) {
            self.profdata = profdata
            self.functionCount = functionCount
            self.smoothed = smoothed
            self.warnings = warnings
        }
    }

    /// What to hand llvm-profdata: the inputs as files (raw or indexed, by content), then one
    /// copy of each distinct binary's raw profile with every counter set to 1.
    ///
    /// Smoothing: swiftc 6.3.1 crashes in its inliner (`takenProbability >= 0`, ColdBlockInfo)
    /// when a branch has both successors at count 0, which every function that never ran has.
    /// So one copy of each distinct binary's raw profile, with every counter set to 1, joins the
    /// merge: every counter of every function gets exactly one more count, whatever the number
    /// of inputs, and hot/cold ratios stay as measured. Only raw inputs can be smoothed this way.
    public struct Plan: Sendable {
        /// File names (relative to a scratch directory) and contents, in the order to merge them.
        public var files: [(name: String, bytes: [UInt8])]
        /// Whether counters were raised by one.
        public var smoothed: Bool
        public var warnings: [String]
    }

    /// `templates`: smoothing templates (`smoothingTemplates`) of binaries whose raw profiles are
    /// not among the inputs, because they were merged before (a rollup): smoothing must add one
    /// count per binary of the whole window, once, whatever was merged in advance.
    public static func plan(_ inputs: [Input], templates: [[UInt8]] = [], smoothing: Bool = true) throws -> Plan {
        guard !inputs.isEmpty else { throw InstrumentedMergeError(description: "no instrumented profiles to merge") }
        var files: [(name: String, bytes: [UInt8])] = []
        var warnings: [String] = []
        var onesByBinary: [[UInt8]: (name: String, bytes: [UInt8])] = [:]
        var unsmoothable = 0
        func addTemplate(from bytes: [UInt8], source: String) throws {
            let layout = try RawProfileLayout(parsing: bytes, source: source)
            guard smoothing else { return }
            let identity = layout.identityRanges.flatMap { bytes[$0] }
            if onesByBinary[identity] == nil {
                onesByBinary[identity] = ("ones-\(onesByBinary.count).profraw", layout.withEveryCounter(setTo: 1, in: bytes))
            }
        }
        for (index, input) in inputs.enumerated() {
            let isRaw = LLVMProfileMagic.isRaw(input.bytes)
            files.append(("\(index)" + (isRaw ? ".profraw" : ".profdata"), input.bytes))
            if isRaw {
                try addTemplate(from: input.bytes, source: input.source)
            } else if !input.hasTemplates {
                unsmoothable += 1
            }
        }
        for (index, template) in templates.enumerated() { try addTemplate(from: template, source: "smoothing template \(index)") }
        if smoothing, unsmoothable > 0 {
            warnings.append("\(unsmoothable) .profdata input\(unsmoothable == 1 ? "" : "s") cannot be smoothed (only .profraw counters can): swiftc 6.3.1 may crash on branches they never took; upload the .profraw files instead")
        }
        files += onesByBinary.values.sorted { $0.name < $1.name }
        return Plan(files: files, smoothed: smoothing && !onesByBinary.isEmpty, warnings: warnings)
    }

    /// One raw profile per distinct binary among `inputs`, with every counter set to 1: what
    /// `plan` smooths with. A rollup keeps these for the raw profiles it merged, so a fetch over
    /// it smooths exactly as a fetch over those raw profiles does. Sorted, so the same inputs
    /// give the same templates.
    public static func smoothingTemplates(_ inputs: [Input]) throws -> [[UInt8]] {
        let raw = inputs.filter { LLVMProfileMagic.isRaw($0.bytes) }
        guard !raw.isEmpty else { return [] }
        let plan = try plan(raw, smoothing: true)
        return plan.files.filter { $0.name.hasPrefix("ones-") }.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// What to add to llvm-profdata's merge error: the likely cause when it is about versions.
    public static func hint(forMergeFailure message: String, toolPath: String, llvmVersion: String) -> String {
        guard message.contains("version") || message.contains("unsupported") else { return "" }
        return ". The profiles were written by binaries of another LLVM than \(toolPath) (LLVM \(llvmVersion)): use the llvm-profdata of the toolchain that built the service (SWIFTC or PGO_LLVM_PROFDATA)"
    }

    /// The function names (PGO names: `FILE:NAME` for file-scoped ones) in what
    /// `llvm-profdata show --instr --all-functions` printed.
    public static func functionNames(fromShowOutput text: String) -> [String] {
        // Each function is a line indented by exactly two spaces and ending in ':', followed by
        // its details indented by four.
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") else { return nil }
            return String(line.dropFirst(2).dropLast())
        }
    }

    /// A warning when file-scoped functions name source files outside `sourceRoot`.
    public static func sourcePathWarning(names: [String], sourceRoot: String) -> String? {
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

/// Instrumented profiles that cannot be merged.
public struct InstrumentedMergeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
