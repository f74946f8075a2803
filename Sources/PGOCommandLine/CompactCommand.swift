import Foundation
import PGOPipeline
import PGOSystem
import ProfileStore

/// `pgo compact`: roll a service's raw profiles up into one profile per hour or day.
public enum CompactCommand: Command {
    public static let spec = CommandSpec(
        name: "compact",
        summary: "Merge each complete hour or day of a service's profiles into one rollup, so fetches of long windows read few objects.",
        positionals: "",
        options: StoreArguments.options + [
            OptionSpec(["--period"], value: "1h|1d", help: "The rollup period (default 1h). 1d rollups are built from 1h ones where they exist."),
            OptionSpec(["--older-than"], value: "DURATION", help: "Compact only periods that ended at least this long ago (default 2h), so late uploads are in."),
            OptionSpec(["--delete-raw"], help: "Delete the raw objects a rollup covers, once it is written, read back and checked."),
            OptionSpec(["--dry-run"], help: "Print what would be written and write and delete nothing."),
        ],
        discussion: """
            Rollups live beside the raw profiles, under [PREFIX/]rollups/SERVICE/PERIOD/START-HASH.pb.gz, each with a
            record (START-HASH.pb.gz.json, written last) of exactly which raw objects it covers. 'pgo fetch' merges the
            rollups of its window plus every raw profile they do not cover (a late arrival), so each profile counts
            once and the output is byte-identical to a fetch of the raw profiles. Running it again writes nothing new;
            two at once write the same bytes. A period that fails is reported and left for the next run (exit 1).

            Run it on a schedule (cron, a Kubernetes CronJob), for example hourly:
              pgo compact --store s3://profiles/prod --service api --older-than 2h --delete-raw
            and daily, folding the hourly rollups into one per day:
              pgo compact --store s3://profiles/prod --service api --period 1d --older-than 2d --delete-raw
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("compact takes no arguments, only options") }
        var options = CompactOptions(service: try StoreArguments.service(arguments), now: Date())
        if let text = arguments.value("--period") {
            guard let period = RollupPeriod(rawValue: text) else { throw UsageError("invalid --period '\(text)': use 1h or 1d") }
            options.period = period
        }
        if let age = try StoreArguments.duration(arguments, "--older-than", example: "2h") { options.olderThan = age }
        options.deleteRaw = arguments.has("--delete-raw")
        options.dryRun = arguments.has("--dry-run")
        let store = try StoreArguments.open(arguments, context: context)
        let compactor = Compactor(
            options: options, store: store, toolchain: Toolchain.locate(environment: context.environment), diagnostics: context.diagnostics())
        let report = try await compactor.run()
        for period in report.periods {
            let time = formatTimestamp(period.start)
            switch period.action {
            case .failed: context.print("\(time) \(period.kind): failed: \(period.reason ?? "")\n")
            case .wouldWrite: context.print("\(time) \(period.kind): would write a \(options.period.rawValue) rollup of \(counted(period.covers, "profile")) (\(period.added) new)\n")
            case .written, .upToDate:
                let what = period.action == .written ? "wrote \(period.rollupKey ?? "")" : "up to date: \(period.rollupKey ?? "")"
                context.print("\(time) \(period.kind): \(what) (\(counted(period.covers, "profile")), \(period.added) new)\n")
            }
        }
        func count(_ action: Compactor.Report.Action) -> Int { report.periods.filter { $0.action == action }.count }
        var summary = options.dryRun
            ? "\(counted(report.periods.count, "period")): \(count(.wouldWrite)) would be written, \(count(.upToDate)) up to date"
            : "\(counted(report.periods.count, "period")): \(count(.written)) written, \(count(.upToDate)) up to date, \(count(.failed)) failed"
        if !options.dryRun {
            summary += "; deleted \(counted(report.deletedRaw.count, "raw object")) and \(counted(report.deletedRollups.count, "superseded rollup"))"
        }
        context.writeError("compact \(options.service) in \(store.location): \(summary)\n")
        if count(.failed) > 0 { throw CommandError("\(counted(count(.failed), "period")) could not be compacted (see above); run again") }
    }
}
