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
        try FileManager.default.createDirectory(atPath: directory + "/Sources/W", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            // swift-tools-version:6.0
            import PackageDescription
            let package = Package(
                name: "App",
                dependencies: [.package(path: "\(Self.packageRoot)")],
                targets: [.executableTarget(name: "W")]
            )
            """.write(toFile: directory + "/Package.swift", atomically: true, encoding: .utf8)
        // The program whose address-only profiles SymbolizedFetchTests makes, as this package's target.
        try SymbolizedFetchTests.v1.write(toFile: directory + "/Sources/W/w.swift", atomically: true, encoding: .utf8)
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
        #expect(FileManager.default.fileExists(atPath: directory + "/.build/release/W"), "\(build.output)")

        // With no output named, a Swift package gets an LLVM profile and flags under .pgo/, and
        // --build compiles with them. The profiles are the agent's kind, with symbols in the store.
        let release = try SymbolizedFetchTests.compile(SymbolizedFetchTests.v1, in: directory + "/release")
        let profile = try SymbolizedFetchTests.profile(of: release, hotSamples: 25, at: Date())
        try AtomicFile.write(profile, to: directory + "/w.pb")
        let pgo = try #require(RecipeTests.pgoDirectory).appending("/pgo")
        #expect(try runProgram(pgo, ["upload", "--store", "store", "--service", "w", "w.pb"], in: directory).status == 0)
        #expect(try runProgram(pgo, ["symbols", "upload", "--store", "store", release.binary], in: directory).status == 0)
        try FileManager.default.removeItem(atPath: directory + "/.pgo")
        try """
            {"store": "store", "service": "w", "since": "1d", "cache": "none", "strict": true}
            """.write(toFile: directory + "/.pgo.json", atomically: true, encoding: .utf8)
        let swift = try run(
            ["swift", "package", "--allow-writing-to-package-directory", "--allow-network-connections", "all", "pgo-fetch", "--build"], in: directory)
        #expect(swift.status == 0, "\(swift.output)")
        #expect(swift.output.contains("pgo-fetch wrote .pgo/default.prof, .pgo/ (compiler flags)"), "\(swift.output)")
        #expect(try String(contentsOfFile: directory + "/.pgo/default.prof", encoding: .utf8).contains("$s1W3hotyS2iF:"))
        #expect(swift.output.contains("building with -profile-sample-use=\(directory)/.pgo/default.prof"), "\(swift.output)")
        #expect(FileManager.default.fileExists(atPath: directory + "/.pgo/swiftpm-toolset.json"))
    }
}
