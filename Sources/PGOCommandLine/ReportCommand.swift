import Foundation
import PGOPipeline
import PGOSystem
import ProfileStore

/// `pgo report`: a window of a store as one HTML page, for looking rather than reading.
public enum ReportCommand: Command {
    public static let spec = CommandSpec(
        name: "report",
        summary: "Write one self-contained HTML page about a window of profiles: CPU over time, builds, top functions, what pgo fetch would use.",
        positionals: "",
        options: StoreArguments.options + StoreArguments.windowOptions + [
            StoreArguments.selectOption,
            OptionSpec(["-o", "--output"], value: "FILE", help: "Where to write the page (default report.html; '-' for standard output)."),
            StoreArguments.cacheOption,
            OptionSpec(["-j", "--jobs"], value: "N", help: "Downloads at once (default 8)."),
        ],
        discussion: """
            The page shows each raw profile's CPU over the window (in cores when the profiles say how long they ran),
            with the stretches without profiles (gaps: over three times the usual interval) and the profiles far from
            the median (outliers) marked; the builds present and how much of the window each covers; the top functions
            of the merged profile, flat and cumulative; and what 'pgo fetch' with the same window and --select would
            merge, or why it would build without a profile. It is one file with inline styles and SVG, no scripts,
            and a Content-Security-Policy that loads nothing: it can be kept as a CI artifact and opened anywhere.

            Every raw profile of the window is downloaded (through the download cache, so the merge reads them
            from disk); rollups stand for profiles whose raw objects 'pgo compact --delete-raw' removed.

            The window defaults to the last 7 days, as for 'pgo fetch'.

            \(StoreArguments.windowHelp)

            Example:
              pgo report --store s3://profiles/prod --service api --since 7d -o report.html
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("report takes no arguments, only options") }
        let (window, windowDescription) = try StoreArguments.fetchWindow(arguments)
        var options = FetchOptions(
            store: arguments.value("--store") ?? "", service: try StoreArguments.service(arguments), window: window, windowDescription: windowDescription)
        options.selection = try StoreArguments.selection(arguments)
        options.concurrency = try arguments.integer("--jobs", default: 8, range: 1...64)
        options.cacheDirectory = StoreArguments.cache(arguments, context: context)
        let output = arguments.value("--output") ?? "report.html"
        let store = try StoreArguments.open(arguments, context: context)
        let progress = ProgressLine(context: context)
        let reporter = ProfileReporter(
            options: options, store: store, toolVersion: PGOTool.version, toolchain: Toolchain.locate(environment: context.environment),
            generatedAt: Date(), diagnostics: context.diagnostics(progress: progress))
        let report = try await reporter.run()
        progress.finish()
        let page = Array(ReportPage.html(report).utf8)
        let fetch = report.fetch.failure.map { "pgo fetch would build WITHOUT a profile: \($0)" }
            ?? "pgo fetch would merge \(counted(report.fetch.objects, "object"))"
        if output == "-" {
            context.writeOutput(page)
        } else {
            let path = context.resolve(output)
            try AtomicFile.createDirectory((path as NSString).deletingLastPathComponent)
            try AtomicFile.write(page, to: path)
            context.writeError("pgo: report of \(counted(report.points.count, "profile")) of '\(options.service)' (\(windowDescription)) -> \(path)\n")
        }
        context.writeError("\(fetch); \(counted(report.gaps.count, "gap")), \(counted(report.outliers.count, "outlier")), \(counted(report.builds.count, "build"))\n")
    }
}
