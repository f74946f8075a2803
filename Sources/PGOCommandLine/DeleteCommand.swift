import Foundation
import PGOPipeline
import ProfileStore

/// `pgo delete` and `pgo prune`: retention.
public enum DeleteCommand: Command {
    public static let spec = CommandSpec(
        name: "delete",
        summary: "Delete one profile (--at TIME) or a window of profiles, printing each deleted key.",
        positionals: "",
        options: StoreArguments.options + StoreArguments.windowOptions + [
            OptionSpec(["--at"], value: "TIME", help: "Delete the profile(s) saved at TIME."),
            OptionSpec(["--dry-run"], help: "Print what would be deleted and delete nothing."),
        ],
        discussion: """
            A window is required: there is no way to delete everything by accident. Rollups (pgo compact) that hold
            a deleted profile are deleted too; their other profiles are used raw where their raw objects exist, and
            the next compaction rolls them up again.

            \(StoreArguments.windowHelp)
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("delete takes no arguments, only options") }
        let service = try StoreArguments.service(arguments)
        let window: TimeWindow
        if let time = try StoreArguments.time(arguments, "--at") {
            guard arguments.value("--since") == nil, arguments.value("--from") == nil, arguments.value("--to") == nil else {
                throw UsageError("give either --at or a window, not both")
            }
            window = TimeWindow(from: time, to: time)
        } else {
            window = try StoreArguments.window(arguments, required: true)
        }
        let store = try StoreArguments.open(arguments, context: context)
        try await deleteWindow(store, service: service, window: window, cutRollups: .delete, dryRun: arguments.has("--dry-run"), context: context)
    }

    static func deleteWindow(
        _ store: any FullProfileStore, service: String, window: TimeWindow, cutRollups: Retention.CutRollups, dryRun: Bool, context: CommandContext
    ) async throws {
        let deleted = try await Retention.delete(
            in: store, rollups: store, service: service, window: window, cutRollups: cutRollups, dryRun: dryRun, diagnostics: context.diagnostics())
        let verb = dryRun ? "would delete" : "deleted"
        for object in deleted.profiles { context.print("\(verb) \(listingLine(object))\n") }
        for rollup in deleted.rollups {
            context.print("\(verb) rollup \(rollup.profile.key) (\(rollup.record.start), \(rollup.period.rawValue), \(counted(rollup.record.covers.count, "profile")))\n")
        }
        let rollups = deleted.rollups.isEmpty ? "" : " and \(counted(deleted.rollups.count, "rollup"))"
        context.writeError("\(verb) \(counted(deleted.profiles.count, "profile"))\(rollups) from \(store.location)\n")
    }
}

public enum PruneCommand: Command {
    public static let spec = CommandSpec(
        name: "prune",
        summary: "Delete a service's profiles older than a duration (retention).",
        positionals: "",
        options: StoreArguments.options + [
            OptionSpec(["--older-than"], value: "DURATION", help: "Delete profiles older than this, e.g. 30d. Required."),
            OptionSpec(["--dry-run"], help: "Print what would be deleted and delete nothing."),
        ],
        discussion: """
            Rollups (pgo compact) go once their whole period is older than the cutoff: a cutoff inside a period keeps that
            period's rollup, so profiles newer than the cutoff are never deleted. Symbol files (pgo symbols) are never touched.

            Example: pgo prune --store s3://profiles/prod --service api --older-than 30d --dry-run
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("prune takes no arguments, only options") }
        let service = try StoreArguments.service(arguments)
        guard let age = try StoreArguments.duration(arguments, "--older-than", example: "30d") else { throw UsageError("missing --older-than DURATION") }
        let window = Retention.window(olderThan: age, now: Date())
        let store = try StoreArguments.open(arguments, context: context)
        try await DeleteCommand.deleteWindow(store, service: service, window: window, cutRollups: .keep, dryRun: arguments.has("--dry-run"), context: context)
    }
}
