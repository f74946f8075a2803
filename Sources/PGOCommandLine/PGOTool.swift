import Foundation

/// The `pgo` tool: dispatches to its commands and maps outcomes to exit statuses
/// (0 success, 1 failure, 2 usage error).
public enum PGOTool {
    public static let version = "0.1.0"

    public static let commands: [any Command.Type] = [
        MergeCommand.self, InspectCommand.self, ConvertCommand.self, FetchCommand.self, UploadCommand.self, ListCommand.self, GetCommand.self,
        DeleteCommand.self, PruneCommand.self, CollectCommand.self, ImportCommand.self,
    ]

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
            if first == "help", arguments.count > 1, let command = commands.first(where: { $0.spec.name == arguments[1] }) {
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
        guard let command = commands.first(where: { $0.spec.name == first }) else {
            context.writeError("error: unknown command '\(first)'\n\n" + overview)
            return 2
        }
        do {
            let parsed = try command.spec.parse(Array(arguments.dropFirst()))
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
