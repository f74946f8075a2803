import Foundation
import LLVMProfile
import PGOPipeline
import PGOSystem
import Pprof
import ProfileStore

/// `pgo convert`: pprof CPU profiles to an LLVM sample profile for swiftc and clang.
public enum ConvertCommand: Command {
    public static let spec = CommandSpec(
        name: "convert",
        summary: "Convert pprof CPU profiles into an LLVM sample profile (-profile-sample-use).",
        positionals: "FILE|DIR...",
        options: [
            OptionSpec(["--to"], value: "FORMAT", help: "Output kind: llvm-sample (the default and, for now, the only one)."),
            OptionSpec(["--format"], value: "ENCODING", help: "text (the default) or extbinary (LLVM's extensible binary format: smaller, with the profile summary)."),
            OptionSpec(["-o", "--output"], value: "OUT", help: "Where to write the sample profile. Required."),
            OptionSpec(["--binary"], value: "BIN", help: "A binary to symbolize its build's addresses against, matched by ELF build ID (repeatable).", repeatable: true),
            OptionSpec(["--symbols"], value: "URL", help: "A store whose buildid/ area has the builds' symbol files (s3://BUCKET[/PREFIX] or a directory); then DEBUGINFOD_URLS is asked."),
            OptionSpec(["--strict"], help: "Fail when a profiled executable's addresses have no symbol file."),
        ] + SymbolsArguments.storeOptions.filter { !$0.names.contains("--store") },
        discussion: """
            The inputs are merged first (as pgo merge does). Each sample goes to its leaf line as an offset from its
            function's start line, inside the inlined callsites recorded in the profile; caller frames give call
            targets and the callee's head samples; names are linkage (mangled) names. The output is read back by
            our reader and checked with the toolchain's llvm-profdata (next to swiftc) before it is written:
            swiftc silently ignores a malformed profile. Frames without a start line are left out and counted.
            swiftc reads both encodings with -profile-sample-use; extbinary also stores the profile summary
            (hot/cold thresholds) as llvm-profdata computes it.

            Address-only profiles (the agent's, perf's via pgo import) are symbolized build by build: each profile's
            main executable, and shared libraries whose files are found, each against its own symbol file, found by
            build ID among the --binary files, then in the --symbols store (where 'pgo symbols upload' put it), then
            on the debuginfod servers of DEBUGINFOD_URLS. A window that spans releases thus keeps every release's
            samples. More than 5 % of the executables' samples left without symbols is a warning (--strict: missing
            symbols are an error).

            Example:
              pgo convert -o app.prof profiles/ && swiftc -O -profile-sample-use=app.prof ...
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard let output = arguments.value("--output") else { throw UsageError("missing -o OUT") }
        if let to = arguments.value("--to"), to != "llvm-sample" { throw UsageError("unknown --to '\(to)' (known: llvm-sample)") }
        let formatName = arguments.value("--format") ?? SampleProfileEncoding.text.rawValue
        guard let format = SampleProfileEncoding(rawValue: formatName) else {
            throw UsageError("unknown --format '\(formatName)' (known: \(SampleProfileEncoding.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !arguments.positionals.isEmpty else { throw UsageError("no input profiles given") }
        let report = try mergeProfiles(try context.profileSources(arguments.positionals), workers: ProcessInfo.processInfo.activeProcessorCount)
        var conversion = ConversionReport()
        let toolchain = Toolchain.locate(environment: context.environment)
        var symbolStore: (any SymbolStore)? = nil
        if let url = arguments.value("--symbols") {
            var storeArguments = arguments
            storeArguments.values["--store"] = [url]
            symbolStore = try StoreArguments.open(storeArguments, context: context)
        }
        let sources = SymbolSources(
            binaries: (arguments.values["--binary"] ?? []).map(context.resolve), store: symbolStore,
            debuginfodURLs: SymbolSources.debuginfodURLs(environment: context.environment), cacheDirectory: FetchOptions.defaultCacheDirectory(environment: context.environment))
        let (profile, symbols) = try await SampleProfileWorkflow.convert(
            report.profile, profiled: report.mainBinaries, sources: sources, toolchain: toolchain, strict: arguments.has("--strict"),
            diagnostics: context.diagnostics(), report: &conversion)
        try context.writeBinary(try profile.checkedBytes(format: format, toolchain: toolchain), to: output)
        for build in symbols.builds where build.symbols != nil || (build.profiled && build.problem != nil) {
            let origin = build.symbols.map { "symbols from \($0.source) \($0.location)" } ?? "no symbols: \(build.problem ?? "")"
            context.writeError("build \(build.buildID ?? build.files.first ?? "?")\(build.profiled ? "" : " (library)"): \(build.samples) samples, \(build.unsymbolizedSamples) without lines; \(origin)\n")
        }
        if conversion.framesWithoutStartLine > 0 || conversion.samplesWithoutLines > 0 {
            context.warn("left out \(conversion.framesWithoutStartLine) frames without a start line and \(conversion.samplesWithoutLines) samples without line information")
        }
        if conversion.namesLeftOut > 0 {
            context.warn("left out \(conversion.namesLeftOut) frames and call targets whose names a sample profile cannot hold (white space, as in perf's demangled C++ names)")
        }
        context.writeError("converted \(report.mergedCount) profiles into \(output): \(profile.functions.count) functions\n")
    }
}
