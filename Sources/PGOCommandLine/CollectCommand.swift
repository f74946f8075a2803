import Dispatch
import Foundation
import PGOSystem
import Pprof
import PGOPipeline
import ProfileStore

/// `pgo collect`: CPU profiles from a Go service's net/http/pprof endpoint, into a store, at
/// every interval, until stopped.
public enum CollectCommand: Command {
    public static let spec = CommandSpec(
        name: "collect",
        summary: "Take a CPU profile from a Go service's /debug/pprof/profile at every interval and save it to a store.",
        positionals: "",
        options: StoreArguments.options.filter { !$0.names.contains("--timeout") } + [
            OptionSpec(["--from-url"], value: "URL", help: "The service's CPU profile endpoint, http://HOST:PORT/debug/pprof/profile. Required."),
            OptionSpec(["--interval"], value: "DURATION", help: "Time from one profile's start to the next (default 5m; at least the duration)."),
            OptionSpec(["--duration"], value: "DURATION", help: "Length of each profile, whole seconds (default 30s)."),
            OptionSpec(["--count"], value: "N", help: "Stop after N profiles are saved (default: run until SIGINT or SIGTERM)."),
            OptionSpec(["--timeout"], value: "DURATION", help: "Limit for each profile request (default: the duration + 30s)."),
            OptionSpec(["--store-timeout"], value: "SECONDS", help: "Limit for each S3 request attempt (default 30)."),
        ],
        discussion: """
            Every interval, pgo requests URL?seconds=N (N = the duration in seconds), checks that the answer is a
            valid pprof profile and saves it to the store at the time the profile started (its time_nanos). An
            interval shorter than the duration is raised to the duration.

            Failures (HTTP errors, a service that is down, invalid profiles, store errors) are reported on standard
            error with the time and retried at the next interval; they never stop pgo. Saved profiles are printed
            on standard output. SIGINT or SIGTERM stops it with exit status 0: a profile still being downloaded is
            dropped, never saved in part.

            DURATION is a number with a unit, s m h d or w, e.g. 30s, 5m or 1h30m.

            Example:
              pgo collect --store s3://profiles/prod --service api \\
                --from-url http://localhost:6060/debug/pprof/profile --interval 5m --duration 30s
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else {
            throw UsageError("unexpected argument '\(arguments.positionals[0])'")
        }
        let service = try StoreArguments.service(arguments)
        guard let urlText = arguments.value("--from-url") else {
            throw UsageError("missing --from-url URL (e.g. http://localhost:6060/debug/pprof/profile)")
        }
        guard let source = URL(string: urlText), let scheme = source.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = source.host, !host.isEmpty
        else {
            throw UsageError("--from-url takes an http:// or https:// URL, not '\(urlText)'")
        }
        let interval = try StoreArguments.duration(arguments, "--interval", example: "30s, 5m or 1h30m") ?? 300
        let length = try StoreArguments.duration(arguments, "--duration", example: "30s, 5m or 1h30m") ?? 30
        let timeout = try StoreArguments.timeout(arguments, "--timeout")
        let count: Int?
        if arguments.value("--count") != nil {
            count = try arguments.integer("--count", default: 1, range: 1...1_000_000_000)
        } else {
            count = nil
        }
        // --timeout is this command's request limit; the store's own limit is --store-timeout.
        var storeArguments = arguments
        storeArguments.values["--timeout"] = arguments.values["--store-timeout"]
        let store = try StoreArguments.open(storeArguments, context: context)

        let collector = ProfileCollector(
            store: store, service: service, source: source, interval: interval, duration: length, timeout: timeout,
            fetch: HTTPGet.body(of:timeout:), clock: .system)
        if collector.intervalWasRaised {
            context.writeError(
                "\(stamp()) notice: --interval \(formatSeconds(collector.requestedInterval)) is shorter than --duration "
                    + "\(formatSeconds(collector.duration)); using an interval of \(formatSeconds(collector.interval))\n")
        }
        // Signals are caught from here on; one that comes before the collector starts stops it at once.
        let stop = CancellationLatch<Task<CollectionSummary, Never>> { $0.cancel() }
        let stopper = SignalStopper(signals: [SIGINT, SIGTERM]) { signal in
            context.writeError("\(stamp()) received \(signal == SIGINT ? "SIGINT" : "SIGTERM"); stopping\n")
            stop.request()
        }
        context.writeError(
            "\(stamp()) collecting \(formatSeconds(collector.duration)) CPU profiles every \(formatSeconds(collector.interval)) "
                + "from \(collector.profileURL.absoluteString) into \(store.location) (service \(service))"
                + (count.map { ", until \($0) saved" } ?? "") + "; stop with SIGINT or SIGTERM\n")
        let task = Task {
            await collector.run(maxProfiles: count, diagnostics: context.diagnostics { event in
                switch event {
                case .saved(let object, _, _):
                    context.print(listingLine(object) + "\n")
                case .failed(let failure):
                    context.writeError(
                        "\(stamp(failure.at)) error: \(failure); retrying at the next interval (\(formatSeconds(collector.interval)))\n")
                case .intervalRaised, .started, .stopped:
                    break
                }
            })
        }
        stop.attach(task)
        let summary = await withTaskCancellationHandler { await task.value } onCancel: { stop.request() }
        stopper.stop()
        context.writeError(
            "\(stamp()) stopped: saved \(summary.saved) profile\(summary.saved == 1 ? "" : "s")"
                + ", \(summary.failures) failed attempt\(summary.failures == 1 ? "" : "s")\n")
    }

    static func stamp(_ date: Date = Date()) -> String { formatTimestamp(date) }
}
