import Foundation
import PGOBuild
import Pprof
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
            OptionSpec(["--binary"], value: "BIN", help: "With --llvm: symbolize address-only profiles against this binary (by ELF build ID)."),
            OptionSpec(["--source-root"], value: "DIR", help: "The build's source root (default: the current directory): instrumented profiles recorded from sources elsewhere are reported."),
            OptionSpec(["--flags"], value: "DIR", help: "Write compiler flags here: swiftpm-toolset.json, swiftc-args.txt, go.flags, clang.flags, pgo.env."),
            OptionSpec(["--manifest"], value: "FILE", help: "Write the manifest here (default: DIR/manifest.json, else OUT.manifest.json)."),
            OptionSpec(["--cache"], value: "DIR", help: "Download cache (default: $XDG_CACHE_HOME/swift-pgo or ~/.cache/swift-pgo; 'none' to disable)."),
            OptionSpec(["--strict"], help: "Fail (exit 1) on any problem instead of building without PGO."),
            OptionSpec(["--config"], value: "FILE", help: "Settings file (default: .pgo.json in the current directory, if present)."),
            OptionSpec(["-j", "--jobs"], value: "N", help: "Downloads at once (default 8)."),
        ],
        discussion: """
            The window defaults to the last 7 days. By default a fetch fails open: if the store is down or has no
            profiles, it warns, writes flags without PGO, records why in the manifest, and exits 0. --strict
            makes any failure an error. Running it again on the same objects gives byte-identical outputs and
            downloads nothing (the cache is keyed by store, key and ETag).

            Instrumented profiles (.profraw from -profile-generate binaries, uploaded with pgo upload) are merged
            by the llvm-profdata next to swiftc (PGO_LLVM_PROFDATA overrides it), with every counter raised by one
            so that swiftc 6.3.1 does not crash on branches that never ran.

            .pgo.json holds the same settings (store, service, since, from, to, select, go, llvm, flags,
            binary, sourceRoot, manifest, cache, layout, endpoint, region, awsProfile, s3Addressing, timeout, strict); flags
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
        let hasWindow = arguments.value("--since") != nil || arguments.value("--from") != nil || arguments.value("--to") != nil
        let window = hasWindow ? try StoreArguments.window(arguments, required: true) : TimeWindow.last(7 * 86_400)
        let windowDescription = arguments.value("--since").map { "the last \($0)" }
            ?? (hasWindow ? "\(formatTimestamp(window.from)) to \(formatTimestamp(window.to))" : "the last 7d")
        var options = FetchOptions(
            store: arguments.value("--store") ?? "", service: service, window: window, windowDescription: windowDescription)
        options.selection = try StoreArguments.selection(arguments)
        options.goOutput = arguments.value("--go").map(context.resolve)
        options.llvmOutput = arguments.value("--llvm").map(context.resolve)
        options.flagsDirectory = arguments.value("--flags").map(context.resolve)
        options.binary = arguments.value("--binary").map(context.resolve)
        options.sourceRoot = context.resolve(arguments.value("--source-root") ?? ".")
        options.environment = context.environment
        options.manifest = arguments.value("--manifest").map(context.resolve)
        options.strict = arguments.has("--strict")
        options.concurrency = try arguments.integer("--jobs", default: 8, range: 1...64)
        switch arguments.value("--cache") {
        case "none": options.cacheDirectory = nil
        case let directory?: options.cacheDirectory = context.resolve(directory)
        case nil: options.cacheDirectory = FetchOptions.defaultCacheDirectory(environment: context.environment)
        }

        let store: any ProfileStore
        do { store = try StoreArguments.open(arguments, context: context) } catch let error as UsageError { throw error } catch {
            // A store that cannot even be opened (no credentials, bad URL) fails open too.
            guard !options.strict else { throw error }
            store = UnavailableStore(location: arguments.value("--store") ?? "", reason: "\(error)")
        }
        let progress = ProgressLine(context: context)
        let fetcher = ProfileFetcher(options: options, store: store, toolVersion: PGOTool.version) { event in
            switch event {
            case .progress(let done, let total, let bytes): progress.update(done: done, total: total, bytes: bytes)
            case .warning(let text):
                progress.finish()
                context.warn(text)
            }
        }
        let outcome = try await fetcher.run()
        progress.finish()
        if let output = context.environment["GITHUB_OUTPUT"], !output.isEmpty {
            let lines = outcome.flags.githubOutputs(profileCount: outcome.manifest.objects.count)
            if let handle = FileHandle(forWritingAtPath: output) {
                handle.seekToEndOfFile()
                handle.write(Data(lines.utf8))
                handle.closeFile()
            }
        }
        if outcome.failure == nil {
            let m = outcome.manifest
            context.writeError(
                "fetched \(m.objects.count) profiles from \(m.store) (\(m.downloaded) downloaded, \(m.fromCache) cached, \(m.skipped.count) skipped)"
                    + m.outputs.map { ", wrote \($0.path)" }.joined() + "\n")
        }
    }

    /// Fills options not given on the command line from the settings file.
    static func withConfiguration(_ arguments: ParsedArguments, context: CommandContext) throws -> ParsedArguments {
        let explicit = arguments.value("--config").map(context.resolve)
        let path = explicit ?? context.resolve(".pgo.json")
        guard explicit != nil || FileManager.default.fileExists(atPath: path) else { return arguments }
        var merged = arguments
        do {
            for (option, value) in try FetchConfiguration.load(path) where merged.values[option] == nil && !merged.flags.contains(option) {
                if value.isEmpty && option == "--strict" { merged.flags.insert(option) } else { merged.values[option] = [value] }
            }
        } catch { throw UsageError("\(error)") }
        // A window given on the command line replaces the file's window whole.
        if arguments.value("--since") != nil { merged.values["--from"] = nil; merged.values["--to"] = nil }
        if arguments.value("--from") != nil || arguments.value("--to") != nil { merged.values["--since"] = arguments.values["--since"] }
        return merged
    }
}

/// Stands in for a store that could not be opened, so the fetch fails open through one path.
struct UnavailableStore: ProfileStore {
    var location: String
    var reason: String
    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile { throw StoreError(reason) }
    func list(service: String, window: TimeWindow) async throws -> StoreListing { throw StoreError(reason) }
    func get(_ object: StoredProfile) async throws -> [UInt8] { throw StoreError(reason) }
    func delete(_ object: StoredProfile) async throws { throw StoreError(reason) }
}

/// Download progress on standard error: one live line on a terminal, a plain line per tenth otherwise.
final class ProgressLine: @unchecked Sendable {
    private let context: CommandContext
    private let live: Bool
    private let lock = NSLock()
    private var lastTenth = -1
    private var open = false

    init(context: CommandContext) {
        self.context = context
        self.live = context.errorIsTerminal
    }

    func update(done: Int, total: Int, bytes: Int) {
        lock.withLock {
            let text = "fetching profiles: \(done)/\(total), \(formatBytes(bytes))"
            if live {
                context.writeError("\r\u{1b}[K" + text)
                open = true
            } else {
                let tenth = total == 0 ? 10 : done * 10 / total
                if tenth != lastTenth {
                    lastTenth = tenth
                    context.writeError(text + "\n")
                }
            }
        }
    }

    func finish() {
        lock.withLock {
            if open { context.writeError("\n") }
            open = false
        }
    }
}
