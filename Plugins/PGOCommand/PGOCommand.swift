import Foundation
import PackagePlugin

/// `swift package pgo COMMAND ...`: runs the `pgo` tool in the package directory.
///
/// The plugin only resolves the tool and the directory; the tool does the rest, including
/// dropping the permission flags SwiftPM passes on when they follow the verb.
@main
struct PGOCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let process = Process()
        process.executableURL = try context.tool(named: "pgo").url
        process.arguments = arguments
        process.currentDirectoryURL = context.package.directoryURL
        process.environment = ProcessInfo.processInfo.environment.merging(["PGO_INVOKED_BY_PLUGIN": "1"]) { $1 }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("pgo exited with status \(process.terminationStatus)")
            throw PluginFailure(status: process.terminationStatus)
        }
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    var status: Int32
    var description: String { "pgo failed with exit status \(status)" }
}
