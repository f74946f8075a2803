import Foundation

/// The `pgo` tool: dispatches to its commands and maps outcomes to exit statuses
/// (0 success, 1 failure, 2 usage error).
public enum PGOTool {
    public static let version = "0.1.0"

    public static let commands: [any Command.Type] = [
        MergeCommand.self, InspectCommand.self, ConvertCommand.self, FetchCommand.self, UploadCommand.self, ListCommand.self, GetCommand.self,
        DeleteCommand.self, PruneCommand.self, CompactCommand.self, ReportCommand.self, CollectCommand.self, ImportCommand.self,
        SymbolsUploadCommand.self, SymbolsListCommand.self, SymbolsPruneCommand.self,
    ]

    /// The command named by the first words of `arguments` (`fetch`, `symbols upload`), and how many words that took.
    static func command(in arguments: [String]) -> (any Command.Type, words: Int)? {
        if arguments.count > 1, let command = commands.first(where: { $0.spec.name == arguments[0] + " " + arguments[1] }) {
            return (command, 2)
        }
        return commands.first(where: { $0.spec.name == arguments[0] }).map { ($0, 1) }
    }

    /// The commands of a group (`symbols`), for `pgo symbols` and `pgo symbols --help`.
    static func group(_ name: String) -> [any Command.Type] {
        commands.filter { $0.spec.name.hasPrefix(name + " ") }
    }

    static var overview: String {
        let width = commands.map { $0.spec.name.count }.max() ?? 0
        let list = commands.map { "  " + $0.spec.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.spec.summary }
        return """
            pgo: keep production CPU profiles and bring them back at build time for profile-guided optimization.

            Usage: pgo COMMAND [options] [arguments]

            Commands:
            \(list.joined(separator: "\n"))

            Run 'pgo COMMAND --help' for a command's options. 'pgo --version' prints the version.
            Exit status: 0 success, 1 failure, 2 usage error.

            """
    }

    /// Runs the tool with `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String], context: CommandContext = .standard) async -> Int32 {
        let arguments = context.environment["PGO_INVOKED_BY_PLUGIN"] == "1" ? withoutPluginPermissionFlags(arguments) : arguments
        guard let first = arguments.first else {
            context.writeError(overview)
            return 2
        }
        switch first {
        case "-h", "--help", "help":
            if first == "help", arguments.count > 1, let (command, _) = command(in: Array(arguments.dropFirst())) {
                context.print(command.spec.helpText)
            } else {
                context.print(overview)
            }
            return 0
        case "--version":
            context.print("pgo \(version)\n")
            return 0
        default:
            break
        }
        let members = group(first)
        if !members.isEmpty, arguments.count == 1 || ["-h", "--help"].contains(arguments[1]) || !members.contains(where: { $0.spec.name == first + " " + arguments[1] }) {
            let width = members.map { $0.spec.name.count }.max() ?? 0
            let list = members.map { "  pgo " + $0.spec.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.spec.summary }
            let known = arguments.count == 1 || ["-h", "--help"].contains(arguments[1])
            let text = (known ? "" : "error: unknown command '\(first) \(arguments[1])'\n\n") + "Commands:\n" + list.joined(separator: "\n")
                + "\n\nRun 'pgo \(first) COMMAND --help' for a command's options.\n"
            if known && arguments.count > 1 { context.print(text) } else { context.writeError(text) }
            return known && arguments.count > 1 ? 0 : 2
        }
        guard let (command, words) = command(in: arguments) else {
            context.writeError("error: unknown command '\(first)'\n\n" + overview)
            return 2
        }
        do {
            let parsed = try command.spec.parse(Array(arguments.dropFirst(words)))
            if parsed.wantsHelp {
                context.print(command.spec.helpText)
                return 0
            }
            try await command.run(parsed, context: context)
            return 0
        } catch let error as UsageError {
            context.writeError("error: \(error.message)\nUsage: \(command.spec.usage)\nSee 'pgo \(command.spec.name) --help'.\n")
            return 2
        } catch {
            context.writeError("error: \(error)\n")
            return 1
        }
    }

    /// SwiftPM passes its own permission flags on to a plugin when they follow the verb (as they
    /// must in CI, where nobody can answer a prompt). They are not the tool's; the plugins say so
    /// with PGO_INVOKED_BY_PLUGIN=1.
    static func withoutPluginPermissionFlags(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--allow-writing-to-package-directory", "--disable-sandbox":
                continue
            case "--allow-writing-to-directory", "--allow-network-connections":
                index += 1  // and its value
            default:
                if !argument.hasPrefix("--allow-writing-to-directory="), !argument.hasPrefix("--allow-network-connections=") {
                    result.append(argument)
                }
            }
        }
        return result
    }
}
