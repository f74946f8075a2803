import Foundation
import PGOPipeline
import PGOSystem
import ProfileStore

/// `pgo symbols upload|list|prune`: the store's symbol files, by build ID, so that address-only
/// profiles of a release can be symbolized by builds that never had its binary.
enum SymbolsArguments {
    /// The store options without --service: symbol files are shared by every service of a store.
    static let storeOptions = StoreArguments.options.filter { !$0.names.contains("--service") }

    static let layoutHelp = """
        Symbol files live under the store's root or prefix as [PREFIX/]buildid/<build ID>/debuginfo, debuginfod's
        URL scheme: a store served over HTTP is a debuginfod server for gdb, perf and llvm-symbolizer. Build IDs are
        global, so every service in the store shares the area, and 'pgo prune' never deletes from it.
        """
}

public enum SymbolsUploadCommand: Command {
    public static let spec = CommandSpec(
        name: "symbols upload",
        summary: "Upload release binaries' debug info to the store, by build ID, for symbolizing their profiles later.",
        positionals: "BINARY...",
        options: SymbolsArguments.storeOptions + [
            OptionSpec(["--debug-only"], help: "Upload llvm-objcopy --only-keep-debug output (the DWARF without the code) instead of the binary."),
        ],
        discussion: """
            Run it in the release step, on the unstripped binary that is shipped (or the one whose stripped copy is).
            Each binary must have a GNU build ID and DWARF line tables (swift build -c release on Linux has both).
            A file already stored with the same size is not sent again. Large files are streamed, in signed parts
            on S3 (multipart above 64 MiB).

            \(SymbolsArguments.layoutHelp)

            Example:
              pgo symbols upload --store s3://profiles/prod --debug-only .build/release/api
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard !arguments.positionals.isEmpty else { throw UsageError("no binaries given") }
        let store = try StoreArguments.open(arguments, context: context)
        let content: SymbolUpload.Content = arguments.has("--debug-only") ? .debugOnly(Toolchain.locate(environment: context.environment)) : .wholeBinary
        // Every binary is checked before anything is sent.
        for binary in arguments.positionals { _ = try SymbolUpload.check(context.resolve(binary)) }
        for binary in arguments.positionals {
            let result = try await SymbolUpload.upload(context.resolve(binary), content: content, to: store)
            let what = result.uploaded ? "uploaded" : "already stored"
            context.print("\(binary) -> \(result.stored.key) (\(what), \(result.stored.size) bytes; binary \(result.binarySize) bytes)\n")
        }
    }
}

public enum SymbolsListCommand: Command {
    public static let spec = CommandSpec(
        name: "symbols list",
        summary: "List the symbol files in a store: build ID, kind, size and time.",
        positionals: "",
        options: SymbolsArguments.storeOptions + [
            OptionSpec(["--json"], help: "Print a JSON array of {buildID, kind, key, size, time}."),
        ],
        discussion: SymbolsArguments.layoutHelp)

    struct Entry: Encodable {
        var buildID: String
        var kind: String
        var key: String
        var size: Int
        var time: String?
    }

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("symbols list takes no arguments, only options") }
        let store = try StoreArguments.open(arguments, context: context)
        let files = try await store.listSymbolFiles()
        if arguments.has("--json") {
            let entries = files.map { Entry(buildID: $0.buildID, kind: $0.kind.rawValue, key: $0.key, size: $0.size, time: $0.modified.map(formatTimestamp)) }
            try context.printJSON(entries)
        } else {
            context.print(files.map { symbolLine($0) + "\n" }.joined())
        }
    }
}

public enum SymbolsPruneCommand: Command {
    public static let spec = CommandSpec(
        name: "symbols prune",
        summary: "Delete symbol files stored longer ago than a duration.",
        positionals: "",
        options: SymbolsArguments.storeOptions + [
            OptionSpec(["--older-than"], value: "DURATION", help: "Delete symbol files stored before this long ago, e.g. 90d. Required."),
            OptionSpec(["--dry-run"], help: "Print what would be deleted and delete nothing."),
        ],
        discussion: """
            A symbol file's age is when it was stored (S3 LastModified, the file's time locally), not when its build
            was last profiled: choose an age longer than the profiles' retention and the oldest release still running,
            or profiles of a long-running release lose their symbols.

            Example: pgo symbols prune --store s3://profiles/prod --older-than 180d --dry-run
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("symbols prune takes no arguments, only options") }
        guard let age = try StoreArguments.duration(arguments, "--older-than", example: "90d") else { throw UsageError("missing --older-than DURATION") }
        let store = try StoreArguments.open(arguments, context: context)
        let dryRun = arguments.has("--dry-run")
        let pruned = try await SymbolUpload.prune(in: store, before: Date().addingTimeInterval(-age), dryRun: dryRun)
        let verb = dryRun ? "would delete" : "deleted"
        for file in pruned { context.print("\(verb) \(symbolLine(file))\n") }
        context.writeError("\(verb) \(pruned.count) symbol files from \(store.location)\n")
    }
}

/// One symbol file as `symbols list` and `symbols prune` print it.
func symbolLine(_ file: StoredSymbolFile) -> String {
    let size = String(file.size)
    return "\(file.modified.map(formatTimestamp) ?? "-")  " + String(repeating: " ", count: max(0, 10 - size.count)) + size + "  \(file.buildID)  \(file.kind.rawValue)"
}
