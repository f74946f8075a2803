import Foundation
import PGOPipeline
import ProfileStore

/// `pgo list`: what a store holds for a service.
public enum ListCommand: Command {
    public static let spec = CommandSpec(
        name: "list",
        summary: "List a service's profiles in a store: time, size and key, oldest first.",
        positionals: "",
        options: StoreArguments.options + StoreArguments.windowOptions + [
            StoreArguments.selectOption,
            OptionSpec(["--json"], help: "Print a JSON array of {key, service, time, unixMillis, size, etag}."),
        ],
        discussion: """
            Without a window, everything is listed. Nothing is downloaded (except with --select cpu:N).
            Entries that are not profiles of the layout are reported on standard error.

            \(StoreArguments.windowHelp)
            """)

    struct Entry: Encodable {
        var key: String
        var service: String
        var time: String
        var unixMillis: Int64
        var size: Int
        var etag: String?
    }

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("list takes no arguments, only options") }
        let service = try StoreArguments.service(arguments)
        let window = try StoreArguments.window(arguments, required: false)
        let selection = try StoreArguments.selection(arguments)
        let store = try StoreArguments.open(arguments, context: context)
        let objects = try await selection.select(in: store, service: service, window: window, diagnostics: context.diagnostics()).objects
        if arguments.has("--json") {
            let entries = objects.map {
                Entry(key: $0.key, service: $0.service, time: formatTimestamp($0.createdAt), unixMillis: $0.createdAt.unixMilliseconds, size: $0.size, etag: $0.etag)
            }
            try context.printJSON(entries)
        } else {
            context.print(objects.map { listingLine($0) + "\n" }.joined())
        }
        if objects.isEmpty {
            // Nothing printed is not the same as nothing there: say which.
            let all = window == .all ? [] : try await store.list(service: service, window: .all).profiles
            if let first = all.first, let last = all.last {
                context.writeError("no profiles of service '\(service)' in \(formatTimestamp(window.from)) to \(formatTimestamp(window.to)) (its \(counted(all.count, "profile")) run from \(formatTimestamp(first.createdAt)) to \(formatTimestamp(last.createdAt)))\n")
            } else {
                context.writeError("service '\(service)' has no profiles in \(store.location)\n")
            }
        }
    }
}
