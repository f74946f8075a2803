import Foundation
import PGOPipeline
import PGOSystem
import ProfileStore

/// `pgo fetch`: the pre-build step.
public enum FetchCommand: Command {
    public static let spec = CommandSpec(
        name: "fetch",
        summary: "Fetch a window of profiles, merge them, and write the compiler's profile, flags and a manifest.",
        positionals: "",
        options: StoreArguments.options + StoreArguments.windowOptions + [
            StoreArguments.selectOption,
            OptionSpec(["--go"], value: "FILE", help: "Write the merged profile for 'go build -pgo' here (e.g. default.pgo)."),
            OptionSpec(["--llvm"], value: "FILE", help: "Write an LLVM profile for swiftc and clang here: a sample profile (-profile-sample-use) from pprof objects, or a merged .profdata (-profile-use) when the window holds .profraw/.profdata objects."),
            OptionSpec(["--binary"], value: "BIN", help: "With --llvm: a binary to symbolize its builds' profiles against, matched by ELF build ID (repeatable). Other builds' symbols come from the store's buildid/ area, then DEBUGINFOD_URLS.", repeatable: true),
            OptionSpec(["--source-root"], value: "DIR", help: "The build's source root (default: the current directory): instrumented profiles recorded from sources elsewhere are reported."),
            OptionSpec(["--flags"], value: "DIR", help: "Write compiler flags here: swiftpm-toolset.json, swiftc-args.txt, go.flags, clang.flags, pgo.env."),
            OptionSpec(["--manifest"], value: "FILE", help: "Write the manifest here (default: DIR/manifest.json, else OUT.manifest.json)."),
            StoreArguments.cacheOption,
            OptionSpec(["--strict"], help: "Fail (exit 1) on any problem instead of building without PGO."),
            OptionSpec(["--deadline"], value: "DURATION", help: "Give up (without PGO, or failing with --strict) if the fetch is not done by then (default 10m)."),
            OptionSpec(["--config"], value: "FILE", help: "Settings file (default: .pgo.json in the current directory, if present)."),
            OptionSpec(["-j", "--jobs"], value: "N", help: "Downloads at once (default 8)."),
        ],
        discussion: """
            The window defaults to the last 7 days. By default a fetch fails open: if the store is down or has no
            profiles, it warns, writes flags without PGO, records why in the manifest, and exits 0. --strict
            makes any failure an error. Running it again on the same objects gives byte-identical outputs and
            downloads nothing (the cache is keyed by store, key and ETag).

            For --llvm, address-only profiles (the Swift agent's, perf's) are symbolized build by build, each against
            its own symbol file, found by ELF build ID among the --binary files, in the download cache, in the store's
            buildid/ area ('pgo symbols upload', or the agent, put them there) and on the debuginfod servers of
            DEBUGINFOD_URLS; no earlier binary is needed on disk. The manifest records each build's samples and where
            its symbols came from; more than 5 % of the executables' samples without symbols is a warning (--strict:
            an error).

            Instrumented profiles (.profraw from -profile-generate binaries, uploaded with pgo upload) are merged
            by the llvm-profdata next to swiftc (PGO_LLVM_PROFDATA overrides it), with every counter raised by one
            so that swiftc 6.3.1 does not crash on branches that never ran.

            .pgo.json holds the same settings (store, service, since, from, to, select, go, llvm, flags,
            binary, sourceRoot, manifest, cache, layout, endpoint, region, awsProfile, s3Addressing, timeout, deadline, strict); flags
            override it, and unknown keys are an error.

            \(StoreArguments.windowHelp)

            Example:
              pgo fetch --store s3://profiles/prod --service api --since 7d --go default.pgo --flags .pgo
              go build -pgo=auto ./...
            """)

    public static func run(_ given: ParsedArguments, context: CommandContext) async throws {
        guard given.positionals.isEmpty else { throw UsageError("fetch takes no arguments, only options") }
        let arguments = try withConfiguration(given, context: context)
        guard arguments.value("--go") != nil || arguments.value("--llvm") != nil else {
            throw UsageError("give an output: --go FILE and/or --llvm FILE (or set them in .pgo.json)")
        }
        let service = try StoreArguments.service(arguments)
        let (window, windowDescription) = try StoreArguments.fetchWindow(arguments)
        var options = FetchOptions(
            store: arguments.value("--store") ?? "", service: service, window: window, windowDescription: windowDescription)
        options.selection = try StoreArguments.selection(arguments)
        options.goOutput = arguments.value("--go").map(context.resolve)
        options.llvmOutput = arguments.value("--llvm").map(context.resolve)
        options.flagsDirectory = arguments.value("--flags").map(context.resolve)
        options.binaries = (arguments.values["--binary"] ?? []).map(context.resolve)
        options.debuginfodURLs = SymbolSources.debuginfodURLs(environment: context.environment)
        options.sourceRoot = context.resolve(arguments.value("--source-root") ?? ".")
        options.githubOutput = context.environment["GITHUB_OUTPUT"]
        options.githubStepSummary = context.environment["GITHUB_STEP_SUMMARY"]
        options.manifest = arguments.value("--manifest").map(context.resolve)
        options.strict = arguments.has("--strict")
        options.concurrency = try arguments.integer("--jobs", default: 8, range: 1...64)
        if let deadline = try StoreArguments.duration(arguments, "--deadline", example: "90s, 10m or 1h") { options.deadline = deadline }
        options.cacheDirectory = StoreArguments.cache(arguments, context: context)

        let store: any FullProfileStore
        do { store = try StoreArguments.open(arguments, context: context) } catch let error as UsageError { throw error } catch {
            // A store that cannot even be opened (no credentials, bad URL) fails open too.
            guard !options.strict else { throw error }
            store = UnavailableStore(location: arguments.value("--store") ?? "", reason: "\(error)")
        }
        let progress = ProgressLine(context: context)
        let fetcher = ProfileFetcher(
            options: options, store: store, symbolStore: store, rollupStore: store, toolVersion: PGOTool.version, toolchain: Toolchain.locate(environment: context.environment),
            diagnostics: context.diagnostics(progress: progress))
        let outcome = try await fetcher.run()
        progress.finish()
        context.writeError(summaryLine(outcome))
    }

    /// The line a build log shows last, so nobody has to read the warnings to know whether the
    /// build got a profile.
    static func summaryLine(_ outcome: ProfileFetcher.Outcome) -> String {
        let m = outcome.manifest
        if let failure = outcome.failure { return "pgo: built WITHOUT a profile: \(failure)\n" }
        let rollups = m.summary.rollups > 0 ? " in \(counted(m.objects.count, "object")), \(m.summary.rollups) of them rollups" : ""
        return "fetched \(counted(m.summary.profiles, "profile")) from \(m.store)\(rollups)"
            + " (\(m.downloaded) downloaded, \(m.fromCache) cached, \(m.skipped.count) skipped)\n"
            + "pgo: profile from \(counted(m.objects.count, "object")) (\(m.window)) -> \(m.outputs.map(\.path).joined(separator: ", "))\n"
    }

    /// Fills options not given on the command line from the settings file.
    static func withConfiguration(_ arguments: ParsedArguments, context: CommandContext) throws -> ParsedArguments {
        let explicit = arguments.value("--config").map(context.resolve)
        let path = explicit ?? context.resolve(".pgo.json")
        guard explicit != nil || FileInfo.exists(path) else { return arguments }
        var merged = arguments
        do {
            let bytes: [UInt8]
            do { bytes = try BoundedFile.read(path, limit: 1 << 20) } catch {
                throw FetchConfigurationError(description: "\(path): cannot read the configuration file")
            }
            (merged.values, merged.flags) = FetchConfiguration.filling(
                values: arguments.values, flags: arguments.flags, from: try FetchConfiguration.parse(bytes, path: path))
        } catch { throw UsageError("\(error)") }
        return merged
    }
}
