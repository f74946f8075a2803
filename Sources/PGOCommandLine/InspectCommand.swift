import Foundation
import PGOSystem
import Pprof

/// `pgo inspect`: what a profile holds, in a few lines.
public enum InspectCommand: Command {
    public static let spec = CommandSpec(
        name: "inspect",
        summary: "Summarize a pprof profile: types, period, totals, sizes and top functions.",
        positionals: "FILE",
        options: [
            OptionSpec(["--top"], value: "N", help: "How many functions to list by flat value (default 10)."),
            OptionSpec(["--raw"], help: "Print the whole profile as text instead, every sample, location and function."),
        ],
        discussion: """
            Totals and top functions use the profile's default sample type, or its last one, as pprof does.
            The file is validated as strictly as pprof does; a broken file is an error that says what is wrong.
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals.count == 1, let file = arguments.positionals.first else {
            throw UsageError(arguments.positionals.isEmpty ? "no profile given" : "inspect takes one profile, not \(arguments.positionals.count)")
        }
        let top = try arguments.integer("--top", default: 10, range: 0...100_000)
        let profile: Profile
        do { profile = try ProfileFile.read(context.resolve(file)) } catch {
            throw InputError(source: file, problem: error.problem)
        }
        if arguments.has("--raw") {
            context.print(profile.textRendering())
        } else {
            context.print("File:         \(file)\n" + ProfileSummary(profile, top: top).text())
        }
    }
}
