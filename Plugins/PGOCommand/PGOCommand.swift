import Foundation
import PackagePlugin

/// `swift package pgo COMMAND ...`: runs the `pgo` tool in the package directory.
///
/// The plugin only resolves the tool and the directory; everything else is the tool's job.
@main
struct PGOCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "pgo")
        let process = Process()
        process.executableURL = tool.url
        process.arguments = Self.withoutPermissionFlags(arguments)
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("pgo exited with status \(process.terminationStatus)")
            throw PluginFailure(status: process.terminationStatus)
        }
    }

    /// SwiftPM passes its own permission flags on to the plugin when they follow the verb
    /// (as they must in CI, where nobody can answer a prompt). They are not the tool's.
    static func withoutPermissionFlags(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--allow-writing-to-package-directory", "--disable-sandbox":
                continue
            case "--allow-writing-to-directory", "--allow-network-connections":
                index += 1  // the flag's value
                continue
            default:
                if argument.hasPrefix("--allow-writing-to-directory=") || argument.hasPrefix("--allow-network-connections=") {
                    continue
                }
                result.append(argument)
            }
        }
        return result
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    var status: Int32
    var description: String { "pgo failed with exit status \(status)" }
}
