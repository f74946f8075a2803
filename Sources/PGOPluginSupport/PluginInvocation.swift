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

    /// What a run with no output named writes, in the package directory: an LLVM profile for
    /// the package's Swift code and the flags that hand it to swiftc.
    public static let defaultLLVMOutput = ".pgo/default.prof"
    public static let defaultFlagsDirectory = ".pgo"

    /// The outputs this run writes, for the plugin to print: paths as given, relative to the package.
    public var outputs: [String]

    /// `arguments` as SwiftPM passes them; `packageDirectory` resolves a relative `--flags`;
    /// `workDirectory` is the plugin's own, for flags when none is given. `configuration` is the
    /// settings file's content (`--config FILE`, else the package's `.pgo.json`), if there is one:
    /// when neither it nor the arguments name an output, the run writes `defaultLLVMOutput` and
    /// flags under `.pgo/`, as a Swift package wants.
    public init(arguments: [String], packageDirectory: String, workDirectory: String, configuration: Data? = nil) {
        var arguments = arguments
        build = arguments.contains("--build")
        arguments.removeAll { $0 == "--build" }
        let settings = configuration.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        func named(_ option: String, key: String) -> String? { Self.value(of: option, in: arguments) ?? settings[key] as? String }
        if named("--go", key: "go") == nil, named("--llvm", key: "llvm") == nil {
            arguments += ["--llvm", Self.defaultLLVMOutput]
            if named("--flags", key: "flags") == nil { arguments += ["--flags", Self.defaultFlagsDirectory] }
        }
        let given = named("--flags", key: "flags")
        if build && given == nil { arguments += ["--flags", workDirectory + "/flags"] }
        pgoArguments = ["fetch"] + arguments
        flagsDirectory = build ? (given.map { Self.absolute($0, in: packageDirectory) } ?? workDirectory + "/flags") : nil
        outputs = [named("--go", key: "go"), named("--llvm", key: "llvm"), given.map { $0 + "/ (compiler flags)" }].compactMap { $0 }
    }

    /// The settings file a run reads: `--config FILE`, else `.pgo.json` in the package.
    public static func configurationPath(arguments: [String], packageDirectory: String) -> String {
        absolute(value(of: "--config", in: arguments) ?? ".pgo.json", in: packageDirectory)
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
