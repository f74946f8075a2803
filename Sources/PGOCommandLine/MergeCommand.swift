import Foundation
import PGOSystem
import Pprof

/// `pgo merge`: many pprof profiles in, one out.
public enum MergeCommand: Command {
    public static let spec = CommandSpec(
        name: "merge",
        summary: "Merge pprof profiles into one (for 'go build -pgo' with --for go).",
        positionals: "FILE|DIR...",
        options: [
            OptionSpec(["-o", "--output"], value: "OUT", help: "Where to write the merged profile (gzip pprof); '-' for standard output. Required."),
            OptionSpec(["--for"], value: "TARGET", help: "Trim the output for a consumer. 'go': only what Go's PGO reads."),
            OptionSpec(["--skip-invalid"], help: "Skip unreadable inputs with a warning each, instead of failing."),
            OptionSpec(["--rescale"], help: "Scale sample counts of inputs taken at another sampling period to the output's period."),
            OptionSpec(["-j", "--jobs"], value: "N", help: "Worker threads (default: the number of cores)."),
        ],
        discussion: """
            Follows pprof's merge rules: sample types must match, equal stacks are summed, durations add up,
            the period is the largest and the time the earliest. Unlike 'go tool pprof -proto', it never
            re-symbolizes, keeps start lines and inline frames whatever the input order, fails on any
            unreadable input (listing all of them), and writes byte-identical output for the same inputs
            in any order.

            Without --rescale, counts from inputs taken at different sampling periods are summed as they
            are, as pprof does. A directory argument stands for the files directly inside it.

            Examples:
              pgo merge --for go -o default.pgo profiles/
              pgo merge -o merged.pb.gz cpu-1.pb.gz cpu-2.pb.gz
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) throws {
        guard let output = arguments.value("--output") else {
            throw UsageError("missing -o OUT (use '-o -' for standard output)")
        }
        let target = arguments.value("--for")
        if let target, target != "go" {
            throw UsageError("unknown --for target '\(target)' (known: go)")
        }
        let jobs = try arguments.integer("--jobs", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        guard !arguments.positionals.isEmpty else { throw UsageError("no input profiles given") }

        let sources = try context.profileSources(arguments.positionals)
        let report = try mergeProfiles(
            sources, options: MergeOptions(rescalesToCommonPeriod: arguments.has("--rescale")),
            skipInvalid: arguments.has("--skip-invalid"), workers: jobs)
        for skipped in report.skipped { context.warn("skipping \(skipped)") }
        guard report.mergedCount > 0 else {
            throw CommandError("none of the \(sources.count) inputs could be read")
        }
        var profile = report.profile
        if target == "go" { profile = try profile.trimmedForGoPGO() }
        let bytes = profile.serialized()
        try context.writeBinary(bytes, to: output)
        let skipped = report.skipped.isEmpty ? "" : " (\(report.skipped.count) skipped)"
        context.writeError(
            "merged \(report.mergedCount) profiles\(skipped) into \(output == "-" ? "standard output" : output): "
                + "\(profile.samples.count) samples, \(profile.functions.count) functions, \(formatBytes(bytes.count))\n")
    }
}
