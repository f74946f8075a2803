import Foundation
import BinaryFormats
import PGOSystem
import ProfileStore
import TestSupport
import Testing

/// `Examples/github-action`, run as a runner runs a composite action: each step's `run:` script
/// with the `env:` the action maps its inputs to, `GITHUB_ACTION_PATH` at the action's folder, and
/// `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `GITHUB_ENV` as files. The pgo of this build stands
/// in for the cached one (the run after the first, when the cache step hits and the build step is
/// skipped).
@Suite struct GitHubActionTests {
    static let action = RecipeTests.root + "/Examples/github-action"

    struct Run {
        var status: Int32
        var output: String
        var outputs: [String: String]
        var summary: String
    }

    /// What the action's build step made: `.ci/run` runs it (`PGO_BIN_DIR=... build-pgo.sh`, a
    /// release build, before the tests) and names the binary in `PGO_ACTION_PGO`.
    static let built = ProcessInfo.processInfo.environment["PGO_ACTION_PGO"].flatMap { $0.isEmpty ? nil : $0 }

    /// The pgo in the action's cache: the build step's when `.ci/run` ran it, else the debug build's.
    static func cachedPGO() throws -> String {
        try built ?? RecipeTests.debugPGO()
    }

    /// Runs the action's fetch step in `workspace` (default `directory`), with the cache hit:
    /// `directory/runner-temp/swift-pgo-bin` holds pgo. `environment`: the job's.
    static func runFetchStep(_ directory: String, inputs: [String: String], environment extra: [String: String] = [:], workspace: String? = nil) throws -> Run {
        let bin = directory + "/runner-temp/swift-pgo-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: bin + "/pgo") { try FileManager.default.copyItem(atPath: try cachedPGO(), toPath: bin + "/pgo") }
        for file in ["output", "summary", "env"] { FileManager.default.createFile(atPath: directory + "/github-" + file, contents: nil) }
        var environment = ["PATH": "/usr/bin:/bin", "HOME": directory, "GITHUB_ACTION_PATH": Self.action, "PGO_BIN_DIR": bin,
                           "GITHUB_OUTPUT": directory + "/github-output", "GITHUB_STEP_SUMMARY": directory + "/github-summary",
                           "GITHUB_ENV": directory + "/github-env", "XDG_CACHE_HOME": directory + "/cache"]
        // The fetch step's env: block, input by input (defaults as action.yml declares them).
        let defaults = ["since": "7d", "go": "", "llvm": "", "flags": ".pgo", "strict": "false"]
        for (name, value) in defaults.merging(inputs, uniquingKeysWith: { $1 }) { environment["PGO_" + name.uppercased()] = value }
        environment.merge(extra) { $1 }
        let run = try runProgram("/bin/bash", ["-c", "\"$GITHUB_ACTION_PATH/fetch.sh\""], in: workspace ?? directory, environment: environment).statusAndOutput
        var outputs: [String: String] = [:]
        for line in try String(contentsOfFile: directory + "/github-output", encoding: .utf8).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            outputs[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return Run(status: run.status, output: run.output, outputs: outputs, summary: try String(contentsOfFile: directory + "/github-summary", encoding: .utf8))
    }

    @Test func theActionsStepsRunAsARunnerRunsThem() throws {
        // Every step's run: is a script of the action's folder that exists and is executable.
        let yaml = try String(contentsOfFile: Self.action + "/action.yml", encoding: .utf8)
        let scripts = yaml.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "$GITHUB_ACTION_PATH/") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(scripts == ["build-pgo.sh", "fetch.sh"])
        for script in scripts { #expect(FileManager.default.isExecutableFile(atPath: Self.action + "/" + script), "\(script)") }
        for output in ["go-flags", "swiftc-flags", "go-profile", "profiles"] {
            #expect(yaml.contains("  \(output):\n") && yaml.contains("steps.fetch.outputs.\(output) }}"), "output \(output)")
        }
        #expect(yaml.contains("key: swift-pgo-${{ github.action_ref }}-${{ runner.os }}-${{ runner.arch }}"))

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = directory + "/store"
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try FileManager.default.createDirectory(atPath: store + "/api", withIntermediateDirectories: true)
        for (i, name) in ["small-1", "small-2", "large"].enumerated() {
            let bytes = try BoundedFile.read(Fixtures.path("profiles/\(name).pb.gz"))
            let key = String(format: "%013lld", now - Int64(i + 1) * 60_000) + "-" + hexString(SHA256.hash(bytes)).prefix(16) + ".pb.gz"
            try AtomicFile.write(bytes, to: store + "/api/" + key)
        }

        let run = try Self.runFetchStep(directory, inputs: ["store": store, "service": "api", "go": "default.pgo"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("pgo: profile from 3 objects (the last 7d) -> \(directory)/default.pgo"), "\(run.output)")
        #expect(run.outputs["go-flags"] == "-pgo=\(directory)/default.pgo")
        #expect(run.outputs["go-profile"] == "\(directory)/default.pgo")
        #expect(run.outputs["profiles"] == "3")
        #expect(run.outputs["swiftc-flags"] == "")
        let goBytes = try BoundedFile.read(directory + "/default.pgo")
        #expect(run.summary.contains("### swift-pgo: api"))
        #expect(run.summary.contains("Profile from **3 objects** (3 profiles, "))
        #expect(run.summary.contains("| function | flat |") && run.summary.contains("`main."), "\(run.summary)")
        #expect(run.summary.contains("| go: `\(directory)/default.pgo` | \(goBytes.count) | `\(hexString(SHA256.hash(goBytes)))` |"), "\(run.summary)")

        // A misspelt service: the step still succeeds, without a profile, and says why.
        let open = try Self.runFetchStep(directory, inputs: ["store": store, "service": "apj", "go": "other.pgo"])
        #expect(open.status == 0, "\(open.output)")
        #expect(open.output.contains("pgo: built WITHOUT a profile: no profiles of service 'apj'"))
        #expect(open.output.contains("the store has no service 'apj' at all, only: api"), "\(open.output)")
        #expect(open.outputs["go-flags"] == "" && open.outputs["profiles"] == "0")
        #expect(open.summary.contains("**Built WITHOUT a profile**: no profiles of service 'apj'"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/other.pgo"))
        // strict: true makes it fail the step.
        let strict = try Self.runFetchStep(directory, inputs: ["store": store, "service": "apj", "go": "other.pgo", "strict": "true"])
        #expect(strict.status == 1)
    }

    /// The build step, as `.ci/run` ran it: a pgo with the Swift runtime linked in (as the pgo
    /// image's), which the cache then holds.
    @Test(.enabled(if: built != nil || Peer.required, "no PGO_ACTION_PGO: .ci/run runs the action's build step (Examples/github-action/build-pgo.sh) and sets it"))
    func theBuildStepMakesAPgoToCache() throws {
        let pgo = try #require(Self.built, "PGO_ACTION_PGO is not set: .ci/run runs the action's build step before the tests")
        try PgoImageTests.checkRelease(pgo)
    }
}
