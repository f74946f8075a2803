import Foundation
import PGOPipeline
import ProfileStore

/// Options every store command takes (public for other executables of this package, such as
/// `agent-demo`, which open stores the same way).
public enum StoreArguments {
    public static let options: [OptionSpec] = [
        OptionSpec(["--store"], value: "URL", help: "The store: s3://BUCKET[/PREFIX], file:///DIR or a directory path. Required."),
        OptionSpec(["--service"], value: "NAME", help: "The service whose profiles these are (pgolib's appName). Required."),
        OptionSpec(["--layout"], value: "LAYOUT", help: "Key layout: swift-pgo (default) or pgolib, to read and write pgolib's stores."),
        OptionSpec(["--endpoint"], value: "URL", help: "S3 endpoint (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's, or AWS)."),
        OptionSpec(["--region"], value: "REGION", help: "S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, or us-east-1)."),
        OptionSpec(["--aws-profile"], value: "NAME", help: "Profile of ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE or default)."),
        OptionSpec(["--s3-addressing"], value: "STYLE", help: "path or virtual (default: path for a custom endpoint, virtual for AWS)."),
        OptionSpec(["--timeout"], value: "SECONDS", help: "Limit for each S3 request attempt (default 30)."),
        OptionSpec(["--verbose"], help: "Print the resolved store settings (never secrets) to standard error."),
    ]

    static let windowOptions: [OptionSpec] = [
        OptionSpec(["--since"], value: "DURATION", help: "The window is the last DURATION (e.g. 30m, 24h, 7d)."),
        OptionSpec(["--from"], value: "TIME", help: "Window start: RFC 3339 or Unix milliseconds (default: the beginning)."),
        OptionSpec(["--to"], value: "TIME", help: "Window end, included: RFC 3339 or Unix milliseconds (default: now)."),
    ]

    static let windowHelp = """
        TIME is RFC 3339 (2026-11-25T08:00:00Z) or Unix milliseconds; DURATION is a number with a unit, s m h d or w,
        e.g. 90m, 24h, 7d or 1h30m. Windows include both ends.
        """

    public static func service(_ arguments: ParsedArguments) throws -> String {
        guard let service = arguments.value("--service") else { throw UsageError("missing --service NAME") }
        return service
    }

    public static func open(_ arguments: ParsedArguments, context: CommandContext) throws -> any FullProfileStore {
        guard let url = arguments.value("--store") else { throw UsageError("missing --store URL") }
        var options = StoreOptions(environment: context.environment)
        if let layout = arguments.value("--layout") {
            guard let parsed = KeyLayout(rawValue: layout) else {
                throw UsageError("unknown --layout '\(layout)' (known: \(KeyLayout.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            options.layout = parsed
        }
        if let addressing = arguments.value("--s3-addressing") {
            guard let parsed = S3Configuration.Addressing(rawValue: addressing) else {
                throw UsageError("unknown --s3-addressing '\(addressing)' (known: path, virtual)")
            }
            options.addressing = parsed
        }
        if let seconds = try timeout(arguments, "--timeout") { options.requestTimeout = seconds }
        options.endpoint = arguments.value("--endpoint")
        options.region = arguments.value("--region")
        options.profile = arguments.value("--aws-profile")
        let resolvedURL = url.hasPrefix("/") || url.contains("://") ? url : context.resolve(url)
        let store = try openStore(resolvedURL, options: options)
        if arguments.has("--verbose") {
            var settings = "store: \(store.location), layout \(options.layout.rawValue)"
            if let s3 = store as? S3Store {
                let c = s3.client.configuration
                settings += ", endpoint \(AWSEnvironment.redactedEndpoint(c.endpoint.absoluteString)), region \(c.region), \(c.addressing.rawValue)-style"
                    + ", credentials \(c.credentials), timeout \(Int(c.requestTimeout)) s, \(c.maxAttempts) attempts"
            }
            context.writeError(settings + "\n")
        }
        return store
    }

    /// The window from --since or --from/--to; `defaultAll` when none is given, else an error.
    static func window(_ arguments: ParsedArguments, required: Bool, now: Date = Date()) throws -> TimeWindow {
        let from = arguments.value("--from")
        let to = arguments.value("--to")
        if let since = try duration(arguments, "--since", example: "30m, 24h or 7d") {
            guard from == nil, to == nil else { throw UsageError("give either --since or --from/--to, not both") }
            return TimeWindow.last(since, now: now)
        }
        guard from != nil || to != nil || !required else {
            throw UsageError("give a window: --since DURATION, or --from TIME and/or --to TIME")
        }
        let start = try time(arguments, "--from") ?? TimeWindow.all.from
        let end = try time(arguments, "--to") ?? (from == nil ? TimeWindow.all.to : now)
        guard start <= end else { throw UsageError("the window ends (\(formatTimestamp(end))) before it starts (\(formatTimestamp(start)))") }
        return TimeWindow(from: start, to: end)
    }

    /// The time an option gives, if it is given: one a profile key can hold (1970 to 2286).
    static func time(_ arguments: ParsedArguments, _ option: String) throws -> Date? {
        try arguments.value(option).map { text in
            guard let date = parseTimestamp(text) else { throw UsageError("\(option) takes RFC 3339 or Unix milliseconds, not '\(text)'") }
            guard TimeWindow.isKeyTime(date) else {
                throw UsageError("\(option) takes a time from \(formatTimestamp(TimeWindow.all.from)) to \(formatTimestamp(TimeWindow.all.to)), not '\(text)'")
            }
            return date
        }
    }

    /// The duration an option gives, if it is given: from 1 ms to 36500d (100 years).
    static func duration(_ arguments: ParsedArguments, _ option: String, example: String = "30s, 5m, 24h or 7d") throws -> TimeInterval? {
        try arguments.value(option).map { text in
            guard let seconds = parseDuration(text) else { throw UsageError("\(option) takes a duration like \(example), not '\(text)'") }
            guard seconds <= TimeWindow.longestDuration else { throw UsageError("\(option) takes a duration up to 36500d (100 years), not '\(text)'") }
            return seconds
        }
    }

    /// A request limit an option gives, if it is given: seconds (or a duration like 90s or 2m),
    /// more than 0 and at most a day.
    static func timeout(_ arguments: ParsedArguments, _ option: String) throws -> TimeInterval? {
        try arguments.value(option).map { text in
            guard let seconds = Double(text).flatMap({ $0.isFinite ? $0 : nil }) ?? parseDuration(text), seconds > 0, seconds <= 86_400 else {
                throw UsageError("\(option) takes a number of seconds (or a duration like 90s or 2m) from more than 0 to 86400 (a day), not '\(text)'")
            }
            return seconds
        }
    }

    static func selection(_ arguments: ParsedArguments) throws -> ProfileSelection {
        guard let text = arguments.value("--select") else { return .all }
        guard let selection = ProfileSelection(text) else {
            throw UsageError("--select takes all, newest:N, largest:N or cpu:N, not '\(text)'")
        }
        return selection
    }

    /// The window of `pgo fetch` and `pgo report`, and how to say it: the options' window, else the last 7 days.
    static func fetchWindow(_ arguments: ParsedArguments) throws -> (TimeWindow, description: String) {
        let hasWindow = arguments.value("--since") != nil || arguments.value("--from") != nil || arguments.value("--to") != nil
        let window = hasWindow ? try window(arguments, required: true) : TimeWindow.last(7 * 86_400)
        let description = arguments.value("--since").map { "the last \($0)" }
            ?? (hasWindow ? "\(formatTimestamp(window.from)) to \(formatTimestamp(window.to))" : "the last 7d")
        return (window, description)
    }

    static let cacheOption = OptionSpec(
        ["--cache"], value: "DIR", help: "Download cache (default: $XDG_CACHE_HOME/swift-pgo or ~/.cache/swift-pgo; 'none' to disable).")

    /// The download cache `--cache` names: none, a directory, or the default one.
    static func cache(_ arguments: ParsedArguments, context: CommandContext) -> String? {
        switch arguments.value("--cache") {
        case "none": nil
        case let directory?: context.resolve(directory)
        case nil: FetchOptions.defaultCacheDirectory(environment: context.environment)
        }
    }

    static let selectOption = OptionSpec(
        ["--select"], value: "RULE", help: "all (default), newest:N, largest:N (pgolib's rule) or cpu:N (most CPU; downloads to rank).")
}

/// Formats a listed object as one line: time, size, key.
func listingLine(_ object: StoredProfile) -> String {
    let size = String(object.size)
    return formatTimestamp(object.createdAt) + "  " + String(repeating: " ", count: max(0, 10 - size.count)) + size + "  " + object.key
}
