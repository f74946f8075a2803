import Foundation
import ProfileStore
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing

/// The Examples/ recipes' build steps, run as the Dockerfiles run them (no Docker engine here):
/// a store with real profiles, the `pgo` just built, and the real toolchains.
@Suite(.serialized) struct RecipeTests {
    static let root = Fixtures.packageRoot

    /// The `pgo` SwiftPM built next to this test bundle.
    static var pgoDirectory: String? {
        var url = Bundle.main.bundleURL
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("pgo").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return nil
    }

    func makeStore(_ directory: String, service: String) throws -> String {
        let store = directory + "/store"
        try FileManager.default.createDirectory(atPath: store + "/" + service, withIntermediateDirectories: true)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (i, name) in ["small-1", "small-2", "small-3"].enumerated() {
            let bytes = try fixtureBytes(name + ".pb.gz")
            try AtomicFile.write(bytes, to: store + "/\(service)/\(now - Int64(i) * 60_000)-\(hexString(SHA256.hash(bytes)).prefix(16)).pb.gz")
        }
        return store
    }

    func runScript(_ script: String, in directory: String, environment extra: [String: String]) throws -> (Int32, String) {
        try runProgram("/bin/sh", [script], in: directory, environment: extra).statusAndOutput
    }

    @Test(.enabled(if: Peer.go.shouldRun, Peer.go.skipComment))
    func goServiceBuilderStage() throws {
        let pgo = try #require(Self.pgoDirectory, "the pgo executable was not built next to the tests")
        let go = try Peer.go.require()
        let directory = NSTemporaryDirectory() + "pgo-recipe-go-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.root + "/Examples/go-service", toPath: directory)
        let store = try makeStore(directory, service: "api")
        let path = "\(pgo):\((go as NSString).deletingLastPathComponent):" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        let env = ["PATH": path, "PGO_STORE": store, "PGO_SERVICE": "api", "OUT": directory + "/server",
                   "GOPROXY": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "", "XDG_CACHE_HOME": directory + "/cache"]
        let (status, log) = try runScript("./pgo-build.sh", in: directory, environment: env)
        #expect(status == 0, "\(log)")
        #expect(log.contains("fetched 3 profiles"), "\(log)")
        // The binary records the profile it was built with.
        let info = try runProgram(go, ["version", "-m", directory + "/server"]).output
        #expect(info.contains("-pgo=\(directory)/default.pgo"), "\(info)")

        // With the store down the same step still builds, without PGO.
        try FileManager.default.removeItem(atPath: directory + "/default.pgo")
        let (downStatus, downLog) = try runScript("./pgo-build.sh", in: directory, environment: env.merging(["PGO_STORE": directory + "/nowhere"]) { $1 })
        #expect(downStatus == 0, "\(downLog)")
        #expect(downLog.contains("warning: building without PGO"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/default.pgo"))
    }

    @Test func swiftServiceBuilderStage() throws {
        let pgo = try #require(Self.pgoDirectory, "the pgo executable was not built next to the tests")
        let directory = NSTemporaryDirectory() + "pgo-recipe-swift-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.root + "/Examples/swift-service", toPath: directory)
        // The example depends on swift-pgo by a relative path; point it at this checkout.
        let manifest = try String(contentsOfFile: directory + "/Package.swift", encoding: .utf8)
            .replacingOccurrences(of: "path: \"../..\"", with: "path: \"\(Self.root)\"")
        try manifest.write(toFile: directory + "/Package.swift", atomically: true, encoding: .utf8)
        let store = try makeStore(directory, service: "service")
        let env = ["PATH": "\(pgo):" + (ProcessInfo.processInfo.environment["PATH"] ?? ""), "PGO_STORE": store,
                   "XDG_CACHE_HOME": directory + "/cache"]
        let (status, log) = try runScript("./pgo-build.sh", in: directory, environment: env)
        #expect(status == 0, "\(log)")
        #expect(FileManager.default.fileExists(atPath: directory + "/.pgo/swiftpm-toolset.json"))
        #expect(FileManager.default.fileExists(atPath: directory + "/.build/release/Service"), "\(log)")
    }
}
