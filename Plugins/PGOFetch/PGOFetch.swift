import Foundation
import PackagePlugin

/// `swift package pgo-fetch [--build] [pgo fetch options]`: the pre-build step from SwiftPM.
///
/// Runs `pgo fetch` in the package directory (settings from `.pgo.json` and the arguments); with
/// no output named, it writes an LLVM profile to .pgo/default.prof and the flags under .pgo/.
/// With `--build`, it then builds the package in release mode with the fetched profile's swiftc
/// flags through the plugin API. What to run is decided by `FetchPluginInvocation` (tested in
/// PGOPluginSupport, shared here through a symlink).
@main
struct PGOFetch: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let package = context.package.directoryURL.path
        let configuration = FileManager.default.contents(atPath: FetchPluginInvocation.configurationPath(arguments: arguments, packageDirectory: package))
        let invocation = FetchPluginInvocation(
            arguments: arguments, packageDirectory: package, workDirectory: context.pluginWorkDirectoryURL.path, configuration: configuration)
        let status = try PGOLauncher.run(
            pgo: try context.tool(named: "pgo").url, arguments: invocation.pgoArguments, in: context.package.directoryURL)
        guard status == 0 else {
            Diagnostics.error("pgo fetch exited with status \(status)")
            throw PluginError("pgo fetch failed")
        }
        print("pgo-fetch wrote " + invocation.outputs.joined(separator: ", "))
        guard invocation.build, let directory = invocation.flagsDirectory else { return }

        let toolset = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent("swiftpm-toolset.json"))
        let swiftcFlags = try FetchPluginInvocation.swiftcFlags(fromToolset: toolset)
        print(swiftcFlags.isEmpty ? "building without a profile" : "building with \(swiftcFlags.joined(separator: " "))")
        var parameters = PackageManager.BuildParameters(configuration: .release, logging: .concise)
        parameters.otherSwiftcFlags = swiftcFlags
        let result = try packageManager.build(.all(includingTests: false), parameters: parameters)
        print(result.logText)
        guard result.succeeded else { throw PluginError("the build failed") }
    }
}
