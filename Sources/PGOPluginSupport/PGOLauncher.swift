import Foundation

/// Runs the `pgo` tool for a command plugin: in the package directory, with the plugin's
/// environment plus `PGO_INVOKED_BY_PLUGIN=1` (so that `pgo` drops the permission flags SwiftPM
/// passes on after the verb). The one launcher of both plugins, shared through symlinks.
public enum PGOLauncher {
    /// Runs `pgo` to completion; its exit status.
    public static func run(pgo: URL, arguments: [String], in directory: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = pgo
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(["PGO_INVOKED_BY_PLUGIN": "1"]) { $1 }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A plugin step that failed, with what to tell the user.
public struct PluginError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
