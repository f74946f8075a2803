import Foundation
import ProfileStore
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing

/// The SwiftPM plugins as a user runs them: a package that depends on swift-pgo by path runs
/// `swift package ... pgo-fetch` with no TTY (as in CI or Docker) and gets its files.
@Suite(.serialized) struct PluginTests {
    static let packageRoot = Fixtures.packageRoot

    /// Standard input is empty, as without a TTY: permissions must come from flags.
    func run(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
        try runProgram("/usr/bin/env", arguments, in: directory).statusAndOutput
    }

    @Test func pgoFetchPluginWritesProfileAndFlagsAndBuilds() throws {
        let directory = NSTemporaryDirectory() + "pgo-plugin-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/Sources/App", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            // swift-tools-version:6.0
            import PackageDescription
            let package = Package(
                name: "App",
                dependencies: [.package(path: "\(Self.packageRoot)")],
                targets: [.executableTarget(name: "App")]
            )
            """.write(toFile: directory + "/Package.swift", atomically: true, encoding: .utf8)
        try "print(\"hello\")\n".write(toFile: directory + "/Sources/App/main.swift", atomically: true, encoding: .utf8)
        let store = Self.packageRoot + "/Fixtures/profiles"
        // A local store in pgolib's flat layout would need renames; the standard layout wants SERVICE/ under the root.
        try FileManager.default.createDirectory(atPath: directory + "/store/api", withIntermediateDirectories: true)
        for (i, name) in ["small-1", "small-2"].enumerated() {
            let bytes = try BoundedFile.read(store + "/\(name).pb.gz")
            try AtomicFile.write(bytes, to: directory + "/store/api/173200000\(i)000-\(hexString(SHA256.hash(bytes)).prefix(16)).pb.gz")
        }
        try """
            {"store": "store", "service": "api", "from": "0", "go": "default.pgo", "flags": ".pgo", "cache": "none"}
            """.write(toFile: directory + "/.pgo.json", atomically: true, encoding: .utf8)

        let fetch = try run(
            ["swift", "package", "--allow-writing-to-package-directory", "--allow-network-connections", "all", "pgo-fetch"], in: directory)
        #expect(fetch.status == 0, "\(fetch.output)")
        #expect(FileManager.default.fileExists(atPath: directory + "/default.pgo"), "\(fetch.output)")
        #expect(try String(contentsOfFile: directory + "/.pgo/go.flags", encoding: .utf8).hasPrefix("-pgo=/"))
        #expect(fetch.output.contains("fetched 2 profiles"))

        // Flags after the verb reach the tool too; it must ignore them. And --build builds.
        let build = try run(
            ["swift", "package", "pgo-fetch", "--allow-writing-to-package-directory", "--allow-network-connections", "all", "--build"],
            in: directory)
        #expect(build.status == 0, "\(build.output)")
        #expect(build.output.contains("building without a profile"), "\(build.output)")  // Go profile only: nothing for swiftc
        #expect(FileManager.default.fileExists(atPath: directory + "/.build/release/App"), "\(build.output)")
    }
}
