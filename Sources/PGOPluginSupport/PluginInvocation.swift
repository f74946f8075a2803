import Foundation

/// What `swift package pgo-fetch [--build] [pgo fetch options]` asks for, decided here (a tested
/// target whose files the plugin shares through symlinks) rather than in the plugin.
public struct FetchPluginInvocation: Equatable, Sendable {
    /// The arguments for `pgo`: `fetch` and the options given, plus `--flags` when building needs one.
    public var pgoArguments: [String]
    /// Whether to build the package with the fetched flags afterwards.
    public var build: Bool
    /// Where the flags are written (absolute), when building.
    public var flagsDirectory: String?

    /// `arguments` as SwiftPM passes them; `packageDirectory` resolves a relative `--flags`;
    /// `workDirectory` is the plugin's own, for flags when none is given.
    public init(arguments: [String], packageDirectory: String, workDirectory: String) {
        var arguments = arguments
        build = arguments.contains("--build")
        arguments.removeAll { $0 == "--build" }
        let given = Self.value(of: "--flags", in: arguments)
        if build && given == nil { arguments += ["--flags", workDirectory + "/flags"] }
        pgoArguments = ["fetch"] + arguments
        flagsDirectory = build ? (given.map { Self.absolute($0, in: packageDirectory) } ?? workDirectory + "/flags") : nil
    }

    /// The value of `option` given as `--option VALUE` or `--option=VALUE` (the last one wins, as in `pgo`).
    static func value(of option: String, in arguments: [String]) -> String? {
        var found: String? = nil
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == option, index + 1 < arguments.endIndex {
                found = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix(option + "=") { found = String(argument.dropFirst(option.count + 1)) }
            index += 1
        }
        return found
    }

    static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// The swiftc flags in a `swiftpm-toolset.json` written by `pgo fetch --flags`.
    public static func swiftcFlags(fromToolset data: Data) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["swiftCompiler"] as? [String: Any])?["extraCLIOptions"] as? [String] ?? []
    }
}
