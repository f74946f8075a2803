/// A small declarative argument parser: each command lists its options, and the parser gives
/// parsing, `--help` text and usage errors from that one list.
public struct OptionSpec: Sendable {
    /// Spellings, such as `["-o", "--output"]`.
    public var names: [String]
    /// The placeholder shown for the option's value; nil for a flag that takes none.
    public var valueName: String?
    public var help: String
    /// Whether the option may be given more than once.
    public var repeatable: Bool

    public init(_ names: [String], value: String? = nil, help: String, repeatable: Bool = false) {
        self.names = names
        self.valueName = value
        self.help = help
        self.repeatable = repeatable
    }

    var primaryName: String { names.last! }
}

public struct CommandSpec: Sendable {
    public var name: String
    public var summary: String
    /// The arguments after the options, as shown in the usage line, e.g. `FILE...`.
    public var positionals: String
    public var options: [OptionSpec]
    /// Paragraphs shown after the options in `--help`.
    public var discussion: String
    /// What runs it: `pgo` for the tool's commands, empty for a program of its own (`agent-demo`).
    public var program: String

    public init(name: String, summary: String, positionals: String, options: [OptionSpec], discussion: String = "", program: String = "pgo") {
        self.program = program
        self.name = name
        self.summary = summary
        self.positionals = positionals
        self.options = options
        self.discussion = discussion
    }

    /// How the command is run: `pgo merge`, or `agent-demo`.
    var invocation: String { program.isEmpty ? name : "\(program) \(name)" }

    public var usage: String {
        let options = self.options.isEmpty ? "" : " [options]"
        return "\(invocation)\(options)\(positionals.isEmpty ? "" : " " + positionals)"
    }

    public var helpText: String {
        var lines = ["\(summary)", "", "Usage: \(usage)", "", "Options:"]
        let all = options + [OptionSpec(["-h", "--help"], help: "Show this help.")]
        let labels = all.map { o in o.names.joined(separator: ", ") + (o.valueName.map { " \($0)" } ?? "") }
        let width = labels.map(\.count).max() ?? 0
        for (label, option) in zip(labels, all) {
            lines.append("  " + label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + option.help)
        }
        if !discussion.isEmpty { lines += ["", discussion] }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A command line that does not fit its command's spec: exit status 2.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct ParsedArguments: Equatable {
    public var values: [String: [String]] = [:]
    public var flags: Set<String> = []
    public var positionals: [String] = []
    public var wantsHelp = false

    /// The value of a single-valued option, by its long name.
    public func value(_ name: String) -> String? { values[name]?.last }
    public func has(_ flag: String) -> Bool { flags.contains(flag) }

    public func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }
}

extension CommandSpec {
    /// Parses `arguments` (without the command name). `--opt=value`, `--opt value` and
    /// `-o value` are accepted; `--` ends options; a lone `-` is a positional.
    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument == "-h" || argument == "--help" {
                parsed.wantsHelp = true
                continue
            }
            var name = argument
            var inlineValue: String? = nil
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let option = options.first(where: { $0.names.contains(name) }) else {
                throw UsageError("unknown option '\(name)' for '\(invocation)' (see '\(invocation) --help')")
            }
            let key = option.primaryName
            if option.valueName == nil {
                if inlineValue != nil { throw UsageError("option \(key) takes no value") }
                parsed.flags.insert(key)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError("option \(key) needs a value \(option.valueName!)") }
                value = arguments[index]
                index += 1
            }
            if !option.repeatable, parsed.values[key] != nil {
                throw UsageError("option \(key) is given more than once")
            }
            parsed.values[key, default: []].append(value)
        }
        return parsed
    }
}
