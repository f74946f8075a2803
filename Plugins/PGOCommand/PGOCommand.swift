import Foundation
import PackagePlugin

/// `swift package pgo COMMAND ...`: runs the `pgo` tool in the package directory.
///
/// The plugin only resolves the tool and the directory; the tool does the rest, including
/// dropping the permission flags SwiftPM passes on when they follow the verb.
@main
struct PGOCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let status = try PGOLauncher.run(pgo: try context.tool(named: "pgo").url, arguments: arguments, in: context.package.directoryURL)
        guard status == 0 else {
            Diagnostics.error("pgo exited with status \(status)")
            throw PluginError("pgo failed with exit status \(status)")
        }
    }
}
