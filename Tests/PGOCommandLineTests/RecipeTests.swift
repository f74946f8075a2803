import Foundation
import ProfileStore
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import PGOCommandLine
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

    /// The debug `pgo` SwiftPM built next to this test bundle, or a recorded failure.
    static func debugPGO() throws -> String {
        try #require(pgoDirectory, "the pgo executable was not built next to the tests") + "/pgo"
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

    /// `Examples/go-service/Dockerfile`, stage by stage: the builder stage (pgo copied from the pgo
    /// image's file system, its packages checked, the service copied in, `OUT=/out/server
    /// ./pgo-build.sh` run as its RUN step has it), then the runtime stage's copies of what the
    /// builder made. The binary records the profile; with the store down the same stage builds
    /// without one.
    @Test(.enabled(if: Peer.go.shouldRun, Peer.go.skipComment))
    func goServiceDockerfile() throws {
        let go = try Peer.go.require()
        let directory = try temporaryDirectory("pgo-recipe-go")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dockerfile = Self.root + "/Examples/go-service/Dockerfile"
        let store = try makeStore(directory, service: "api")
        let image = try PgoImageTests.image(with: try PgoImageTests.pgoForRecipes(), in: directory)
        let environment = ["PATH": "\((go as NSString).deletingLastPathComponent):/usr/bin:/bin", "GOPROXY": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "",
                           "XDG_CACHE_HOME": directory + "/cache", "HOME": directory]
        func buildStage(_ root: String, store: String) throws -> (ProgramRun, DockerfileStage.Summary?) {
            try DockerfileStage.run(dockerfile, stage: "build", root: root, buildArgs: ["PGO_STORE": store], from: ["pgo": image.root], environment: environment)
        }
        let (build, summary) = try buildStage(directory + "/build", store: store)
        try #require(build.status == 0, "\(build.combined)")
        #expect(summary?.packages == ["libcurl4", "libxml2"])
        #expect(summary?.runs.map(\.script) == ["OUT=\(directory)/build/out/server ./pgo-build.sh"])
        #expect(build.errors.contains("fetched 3 profiles"), "\(build.errors)")
        // What pgo loads, the builder stage's packages (with the golang image's own) provide.
        if PgoImageTests.shipped != nil {
            let available = try DockerfileStage.closure(of: summary?.packages ?? [])
            #expect(try DockerfileStage.librariesNotProvided(by: available, to: image.root + "/usr/local/bin/pgo") == [])
        }

        let (final, _) = try DockerfileStage.run(dockerfile, stage: "2", root: directory + "/final", from: ["build": directory + "/build"])
        try #require(final.status == 0, "\(final.combined)")
        let info = try runProgram(go, ["version", "-m", directory + "/final/server"]).output
        #expect(info.contains("-pgo=\(directory)/build/app/default.pgo"), "\(info)")
        let manifest = try JSONDecoder().decode(FetchManifest.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/final/pgo-manifest.json")))
        #expect(manifest.status == "ok" && manifest.objects.count == 3)

        // With the store down the same stage still builds, without PGO.
        let (down, _) = try buildStage(directory + "/build-down", store: directory + "/nowhere")
        #expect(down.status == 0, "\(down.combined)")
        #expect(down.errors.contains("pgo: built WITHOUT a profile"), "\(down.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/build-down/app/default.pgo"))
        let downInfo = try runProgram(go, ["version", "-m", directory + "/build-down/out/server"]).output
        #expect(downInfo.contains("path\t") && !downInfo.contains("-pgo="), "\(downInfo)")
    }

    /// The Swift service's example, as a user's copy of it: its Git dependency on swift-pgo made a
    /// local path (a link named swift-pgo, so the package identity is the same).
    func copySwiftService(to directory: String, links: String) throws {
        try FileManager.default.copyItem(atPath: Self.root + "/Examples/swift-service", toPath: directory)
        if !FileManager.default.fileExists(atPath: links + "/swift-pgo") {
            try FileManager.default.createSymbolicLink(atPath: links + "/swift-pgo", withDestinationPath: Self.root)
        }
        let manifest = try String(contentsOfFile: directory + "/Package.swift", encoding: .utf8)
        let local = manifest.replacingOccurrences(of: #"url: "https://github.com/swift-pgo/swift-pgo.git", from: "\#(PGOTool.version)""#, with: #"path: "\#(links)/swift-pgo""#)
        try #require(local != manifest, "the example depends on swift-pgo by its Git URL")
        try local.write(toFile: directory + "/Package.swift", atomically: true, encoding: .utf8)
    }

    /// v2 from v1: every source file shifted down three lines, and one function edited.
    func makeNextRelease(from v1: String, at v2: String) throws {
        try FileManager.default.copyItem(atPath: v1, toPath: v2)
        let sources = v2 + "/Sources/Service"
        for name in try FileManager.default.contentsOfDirectory(atPath: sources) where name.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources + "/" + name, encoding: .utf8)
            var edited = "// release 2\n//\n//\n" + text
            if name == "LogAnalyzer.swift" {
                edited = edited.replacingOccurrences(of: "if request.status >= 500 { errors += 1 }", with: "if request.status >= 500 || request.status == 429 { errors += 1 }")
                try #require(edited.contains("== 429"), "the edit applies")
            }
            try edited.write(toFile: sources + "/" + name, atomically: true, encoding: .utf8)
        }
    }

    /// swiftc's AppliedSamples remarks in a module's optimization records.
    func appliedSamples(in directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".opt.yaml") }.reduce(0) { count, name in
            let yaml = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            return count + yaml.components(separatedBy: "\n").filter { $0.contains("Name:") && $0.contains("AppliedSamples") }.count
        }
    }

    /// The loop a user runs: release 1 runs in production under the agent, which uploads its
    /// symbols; its build is deleted; release 2, edited and shifted, is built days later in a
    /// fresh directory by the recipe's script, from the store alone. swiftc applies the profile.
    /// Then again with the symbols served by a real debuginfod instead of the store.
    /// (It needs debuginfod for its second half: building the loop twice would double its minutes.)
    @Test(.enabled(if: Peer.debuginfod.shouldRun, Peer.debuginfod.skipComment))
    func swiftServiceLoop() throws {
        let pgo = try #require(Self.pgoDirectory, "the pgo executable was not built next to the tests")
        let directory = try temporaryDirectory("pgo-loop")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let v1 = directory + "/v1", v2 = directory + "/v2", store = directory + "/store"
        try copySwiftService(to: v1, links: directory)
        let path = "\(pgo):" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        let swift = try #require(testToolchain.directory).appending("/swift")

        // 1. Release 1, built and run in production with the agent.
        let build1 = try runProgram(swift, ["build", "-c", "release"], in: v1, environment: ["PATH": path])
        try #require(build1.status == 0, "\(build1.combined)")
        let service1 = try runProgram(swift, ["build", "-c", "release", "--show-bin-path"], in: v1).output.trimmingCharacters(in: .whitespacesAndNewlines) + "/Service"
        let buildID1 = try #require(try ELFBuildID.read(service1))
        let served = directory + "/served"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: service1, toPath: served + "/Service")  // what a debuginfod server would hold
        let production = try runProgram(service1, [], environment: [
            "PGO_STORE": store, "PGO_SERVICE": "service", "PGO_PROFILE_INTERVAL": "1", "PGO_PROFILE_DURATION": "0.8", "SERVICE_SECONDS": "6"])
        #expect(production.status == 0, "\(production.combined)")
        #expect(!production.errors.contains("pgo agent:"), "\(production.errors)")
        let profiles = try FileManager.default.contentsOfDirectory(atPath: store + "/service")
        #expect(profiles.count >= 3, "\(profiles)")
        // The agent uploaded release 1's symbols, the whole binary.
        #expect(try ChunkedFile(path: store + "/buildid/\(buildID1)/debuginfo").size == (try ChunkedFile(path: service1).size))

        // 2. Release 1's build is gone.
        try FileManager.default.removeItem(atPath: v1 + "/.build")

        // 3-4. Release 2, from edited and shifted sources, built in a fresh directory by the
        // Dockerfile's builder stage (pgo from the pgo image; the fetch, the build, the release
        // step and the stripped copy, as its RUN step has them), then its runtime stage's copies.
        try makeNextRelease(from: v1, at: v2)
        let remarks = ["-Xswiftc", "-save-optimization-record=yaml", "-Xswiftc", "-save-optimization-record-passes", "-Xswiftc", "sample-profile"]
        let image = try PgoImageTests.image(with: try PgoImageTests.pgoForRecipes(), in: directory)
        let dockerfile = Self.root + "/Examples/swift-service/Dockerfile"
        let toolchainPath = try #require(testToolchain.directory) + ":/usr/bin:/bin"
        let (recipe, stage) = try DockerfileStage.run(
            dockerfile, stage: "build", root: directory + "/build", context: v2,
            buildArgs: ["PGO_STORE": store, "SWIFT_BUILD_FLAGS": remarks.joined(separator: " ")], from: ["pgo": image.root],
            environment: ["PATH": toolchainPath, "XDG_CACHE_HOME": directory + "/cache", "DEBUGINFOD_URLS": "", "HOME": directory])
        try #require(recipe.status == 0, "\(recipe.combined)")
        #expect(stage?.packages == ["zlib1g-dev"])
        #expect(!recipe.errors.contains("warning:"), "\(recipe.errors)")
        let app = directory + "/build/app"
        let (runtime, _) = try DockerfileStage.run(dockerfile, stage: "2", root: directory + "/final", from: ["build": directory + "/build"])
        try #require(runtime.status == 0, "\(runtime.combined)")

        // 5. swiftc applied release 1's samples to release 2, and nearly every sample was symbolized.
        let bin2 = try runProgram(swift, ["build", "-c", "release", "--show-bin-path"], in: app).output.trimmingCharacters(in: .whitespacesAndNewlines)
        // The release step put release 2's symbols in the store; the shipped copy is stripped, with the same build ID.
        let buildID2 = try #require(try ELFBuildID.read(bin2 + "/Service"))
        #expect(buildID2 != buildID1)
        #expect(FileManager.default.fileExists(atPath: store + "/buildid/\(buildID2)/debuginfo"))
        #expect(try ELFBuildID.read(directory + "/final/service") == buildID2)
        #expect(try ChunkedFile(path: directory + "/final/service").size < (try ChunkedFile(path: bin2 + "/Service").size))
        #expect(FileManager.default.fileExists(atPath: directory + "/final/pgo-manifest.json"))
        let applied = try appliedSamples(in: bin2 + "/Service.build")
        #expect(applied >= 5, "swiftc's AppliedSamples remarks on release 2: \(applied)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: app + "/.pgo/manifest.json"))) as? [String: Any])
        let builds = try #require(manifest["builds"] as? [[String: Any]]).filter { $0["profiled"] as? Bool == true }
        #expect(builds.map { $0["buildID"] as? String } == [buildID1])
        let samples = builds.reduce(0) { $0 + ($1["samples"] as? Int ?? 0) }, unsymbolized = builds.reduce(0) { $0 + ($1["unsymbolizedSamples"] as? Int ?? 0) }
        #expect(samples > 0 && Double(samples - unsymbolized) / Double(samples) >= 0.95, "\(samples - unsymbolized) of \(samples) samples symbolized")
        #expect(((builds.first?["symbols"] as? [String: Any])?["source"] as? String) == "store")
        let toolset = try String(contentsOfFile: app + "/.pgo/swiftpm-toolset.json", encoding: .utf8)
        #expect(toolset.contains("-profile-sample-use=\(app)/.pgo/service.prof"), "\(toolset)")
        FileHandle.standardError.write(Data("swiftServiceLoop: \(applied) AppliedSamples remarks on release 2; \(samples - unsymbolized) of \(samples) samples of release 1 symbolized\n".utf8))

        // The same, with the symbols served by a real debuginfod instead of the store.
        let profile = try BoundedFile.read(app + "/.pgo/service.prof")
        let storeWithout = directory + "/store-without-symbols"
        try FileManager.default.createDirectory(atPath: storeWithout, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: store + "/service", toPath: storeWithout + "/service")
        let server = try DebuginfodServer(serving: served, waitingFor: [buildID1])
        defer { server.stop() }
        let again = try runProgram("/bin/sh", ["./pgo-build.sh"] + remarks, in: app, environment: [
            "PATH": path, "PGO_STORE": storeWithout, "PGO_SERVICE": "service", "XDG_CACHE_HOME": directory + "/cache-2",
            "DEBUGINFOD_URLS": server.endpoint])
        try #require(again.status == 0, "\(again.combined)")
        #expect(try BoundedFile.read(app + "/.pgo/service.prof") == profile, "the same profile, from the debuginfod's symbols")
        let manifest2 = try String(contentsOfFile: app + "/.pgo/manifest.json", encoding: .utf8)
        #expect(manifest2.contains("\"source\" : \"debuginfod\"") && manifest2.contains("\(server.endpoint)/buildid/\(buildID1)/debuginfo"), "\(manifest2)")
    }
}
