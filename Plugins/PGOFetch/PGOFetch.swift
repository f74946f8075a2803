import Foundation
import PackagePlugin

/// `swift package pgo-fetch [--build] [pgo fetch options]`: the pre-build step from SwiftPM.
///
/// Runs `pgo fetch` in the package directory (settings from `.pgo.json` and the arguments).
/// With `--build`, it then builds the package in release mode with the fetched profile's swiftc
/// flags through the plugin API.
@main
struct PGOFetch: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var arguments = arguments
        let build = arguments.contains("--build")
        arguments.removeAll { $0 == "--build" }
        let flagsDirectory = context.pluginWorkDirectoryURL.appendingPathComponent("flags")
        if build && !arguments.contains("--flags") {
            arguments += ["--flags", flagsDirectory.path]
        }

        let process = Process()
        process.executableURL = try context.tool(named: "pgo").url
        process.arguments = ["fetch"] + arguments
        process.currentDirectoryURL = context.package.directoryURL
        process.environment = ProcessInfo.processInfo.environment.merging(["PGO_INVOKED_BY_PLUGIN": "1"]) { $1 }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("pgo fetch exited with status \(process.terminationStatus)")
            throw FetchPluginFailure(message: "pgo fetch failed")
        }
        guard build else { return }

        let directory = arguments.firstIndex(of: "--flags").map { URL(fileURLWithPath: arguments[$0 + 1], relativeTo: context.package.directoryURL) }
            ?? flagsDirectory
        let toolset = try Data(contentsOf: directory.appendingPathComponent("swiftpm-toolset.json"))
        let object = try JSONSerialization.jsonObject(with: toolset) as? [String: Any]
        let swiftcFlags = (object?["swiftCompiler"] as? [String: Any])?["extraCLIOptions"] as? [String] ?? []
        print(swiftcFlags.isEmpty ? "building without a profile" : "building with \(swiftcFlags.joined(separator: " "))")
        var parameters = PackageManager.BuildParameters(configuration: .release, logging: .concise)
        parameters.otherSwiftcFlags = swiftcFlags
        let result = try packageManager.build(.all(includingTests: false), parameters: parameters)
        print(result.logText)
        guard result.succeeded else { throw FetchPluginFailure(message: "the build failed") }
    }
}

struct FetchPluginFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
