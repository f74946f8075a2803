import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof

/// The one path from a merged pprof profile to the bytes of an LLVM sample profile, for
/// `pgo convert` and `pgo fetch --llvm`: find each build's symbol file, symbolize each build
/// against its own with the toolchain's llvm-symbolizer, convert, encode, and check before
/// anything is written.
public enum SampleProfileWorkflow {
    /// How symbolization went, build by build: for the report and the manifest.
    public struct SymbolizationReport: Sendable {
        public struct Build: Sendable, Codable, Equatable {
            public var buildID: String?
            public var files: [String]
            /// A profiled executable (not a shared library).
            public var profiled: Bool
            public var samples: Int64
            /// Samples the symbolizer knew nothing of, or (without a symbol file) without a source line.
            public var unsymbolizedSamples: Int64
            public var symbols: ResolvedSymbolFile?
            /// Why no symbol file was found, when one was needed.
            public var problem: String?
        }
        public var builds: [Build] = []

        /// Of the profiled executables' samples, the share left without a source line.
        public var unsymbolizedShare: Double {
            let profiled = builds.filter(\.profiled)
            let total = profiled.reduce(0) { $0 + $1.samples }
            return total > 0 ? Double(profiled.reduce(0) { $0 + $1.unsymbolizedSamples }) / Double(total) : 0
        }
    }

    /// Above this share of the profiled executables' samples left unsymbolized, the profile is
    /// too thin to trust without saying so.
    public static let unsymbolizedWarningShare = 0.05

    /// Symbolizes every build of `profile` that needs it (`profiled`: the executables profiled,
    /// as `ProfileMerger.mainBinaries` gives them) with the symbol files `sources` find, and
    /// says how it went. With `strict`, a profiled executable whose addresses have no symbol
    /// file is an error.
    public static func symbolize(
        _ profile: Profile, profiled: Set<BinaryIdentity>, sources: SymbolSources, toolchain: Toolchain, strict: Bool,
        diagnostics: Diagnostics
    ) async throws -> (SymbolizedProfile, SymbolizationReport) {
        // --binary paths are matched by build ID, never by order.
        var given: [BinaryIdentity: String] = [:]
        for path in sources.binaries {
            let buildID: String?
            do { buildID = try ELFBuildID.read(path) } catch { throw SymbolizationError(description: error.description) }
            let identity: BinaryIdentity
            if sources.binaries.count == 1 {
                identity = try Symbolization.binary(in: profile, forFile: path, buildID: buildID)
            } else if let buildID, profile.mappings.contains(where: { profile.binaryIdentity(of: $0) == .buildID(buildID) }) {
                identity = .buildID(buildID)
            } else {
                diagnostics.warn("--binary \(path) (build ID \(buildID ?? "none")) is not among the profiled builds; it is not used")
                continue
            }
            given[identity] = path
        }
        let binaries = Symbolization.binaries(in: profile, profiled: profiled.union(given.keys))
        let needed = binaries.filter { $0.samplesWithoutLines > 0 || given[$0.identity] != nil }

        return try await ScratchDirectory.with(prefix: "pgo-symbols") { scratch in
            let resolver = SymbolResolver(sources: sources, scratch: scratch.path)
            var found: [BinaryIdentity: ResolvedSymbolFile] = [:]
            var problems: [BinaryIdentity: String] = [:]
            for binary in needed {
                let (file, problem) = await resolver.resolve(binary, givenBinaries: given)
                if let file { found[binary.identity] = file } else if let problem { problems[binary.identity] = problem }
            }
            if strict, let missing = needed.first(where: { $0.isProfiled && found[$0.identity] == nil }) {
                throw SymbolizationError(description: "no symbol file for the profiled build \(missing.identity): \(problems[missing.identity] ?? "not found"). \(fix)")
            }
            var files: [BinaryIdentity: ELFFile] = [:]
            for (identity, file) in found {
                // Only the build ID and the segments are needed: the symbol tables of a large binary are not read.
                do { files[identity] = try ELFFile(path: file.path, readingSymbols: false) } catch {
                    throw SymbolizationError(description: "\(error)")
                }
            }
            let symbolizer = files.isEmpty ? "" : try toolchain.llvmSymbolizer()
            let symbolized = try Symbolization.symbolize(profile, files: files) { identity, addresses in
                try frames(of: addresses, in: found[identity]!.path, symbolizer: symbolizer, subprocess: toolchain.subprocess)
            }
            // A symbolized build's samples count as symbolized when the symbolizer knew their
            // address (compiler-generated code has line 0 and is still known); others, when they have a line.
            let after = Symbolization.binaries(in: symbolized.profile, profiled: profiled.union(given.keys)) { location, identity in
                files[identity] != nil ? symbolized.unresolved.contains(location.id) : Symbolization.hasNoLine(location, in: identity)
            }
            let afterByIdentity = Dictionary(uniqueKeysWithValues: after.map { ($0.identity, $0) })
            var report = SymbolizationReport()
            for binary in binaries {
                let now = afterByIdentity[binary.identity] ?? binary
                report.builds.append(.init(
                    buildID: binary.identity.buildID, files: Array(Set(binary.files)).sorted(), profiled: binary.isProfiled, samples: binary.samples,
                    unsymbolizedSamples: now.samplesWithoutLines, symbols: found[binary.identity], problem: problems[binary.identity]))
            }
            if report.unsymbolizedShare > unsymbolizedWarningShare {
                let missing = report.builds.filter { $0.profiled && $0.unsymbolizedSamples > 0 }
                    .map { "\($0.buildID ?? $0.files.first ?? "?") (\($0.unsymbolizedSamples) samples\($0.problem.map { ": " + $0 } ?? ""))" }
                diagnostics.warn("""
                    \(Int((report.unsymbolizedShare * 100).rounded())) % of the profiled executables' samples could not be symbolized, \
                    so the profile leaves them out: \(missing.joined(separator: ", ")). \(fix)
                    """)
            }
            return (symbolized, report)
        }
    }

    /// What to do about builds without symbols.
    static let fix = "Upload each release's symbols from its release build with 'pgo symbols upload --store URL BINARY', or set DEBUGINFOD_URLS to a debuginfod server that has them, or pass the binaries with --binary"

    /// Replaces the lines of the locations in `binary`'s mapping with what the toolchain's
    /// llvm-symbolizer says: one exact binary, which must be the profile's (by build ID).
    public static func symbolize(_ profile: Profile, binary: String, toolchain: Toolchain) throws -> SymbolizedProfile {
        let symbolizer = try toolchain.llvmSymbolizer()
        let elf = try ELFFile(path: binary, readingSymbols: false)
        let identity = try Symbolization.binary(in: profile, forFile: binary, buildID: elf.buildID)
        return try Symbolization.symbolize(profile, files: [identity: elf]) { _, addresses in
            try frames(of: addresses, in: binary, symbolizer: symbolizer, subprocess: toolchain.subprocess)
        }
    }

    /// llvm-symbolizer's frames for `addresses` of `binary`, innermost first: one process for
    /// all of them, fed on standard input.
    public static func frames(
        of addresses: [UInt64], in binary: String, symbolizer: String, subprocess: Subprocess
    ) throws -> [[Symbolization.Frame]] {
        guard !addresses.isEmpty else { return [] }
        let result = try subprocess.run(symbolizer, Symbolization.symbolizerArguments(binary: binary), input: Symbolization.symbolizerInput(addresses))
        guard result.status == 0 else {
            throw SymbolizationError(description: "\(symbolizer) failed with status \(result.status)" + (result.errorText.isEmpty ? "" : ": \(result.errorText)"))
        }
        return try Symbolization.frames(fromSymbolizerJSON: Data(result.output), addressCount: addresses.count, symbolizer: symbolizer)
    }

    /// Converts a merged CPU profile into a sample profile, first symbolizing its builds (see
    /// `symbolize`); warns when the profile is a Go program's.
    public static func convert(
        _ profile: Profile, profiled: Set<BinaryIdentity>, sources: SymbolSources, toolchain: Toolchain, strict: Bool,
        diagnostics: Diagnostics, report: inout ConversionReport
    ) async throws -> (SampleProfile, SymbolizationReport) {
        let goShare = Symbolization.goShare(of: profile)
        if goShare > 0.5 {
            diagnostics.warn("\(Int((goShare * 100).rounded())) % of the samples are in Go source files: these are a Go binary's functions, which swiftc and clang never compile, so an LLVM profile of them changes nothing. For a Go service use --go FILE (go build -pgo)")
        }
        let (symbolized, symbols) = try await symbolize(profile, profiled: profiled, sources: sources, toolchain: toolchain, strict: strict, diagnostics: diagnostics)
        return (SampleProfile(converting: symbolized.profile, discriminators: symbolized.discriminators, report: &report), symbols)
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
