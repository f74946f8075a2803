import Foundation
import TestSupport
import Testing

/// `Examples/ci/github-actions.yml`, run step by step as a runner would, against a real S3 server
/// (SeaweedFS) standing in for the workflow's MinIO: the job's env with its secrets given,
/// checkout as a copy of the Go service, setup-go as the Go peer on PATH, swift-pgo's action as
/// its steps (the cache hit), the build step's `run:` with the action's outputs substituted, and
/// the artifact step's path. The binary it builds records the profile.
@Suite struct WorkflowTests {
    static let workflow = RecipeTests.root + "/Examples/ci/github-actions.yml"

    /// One step of the job: its keys (`uses`, `run`, `id`, ...) and its `with:` map.
    struct Step {
        var keys: [String: String] = [:]
        var with: [String: String] = [:]
    }

    /// The job's `env:` and `steps:` (the subset of YAML the example uses: block maps, one-line
    /// flow maps for `with:`, plain or quoted scalars).
    static func parse(_ text: String) -> (environment: [String: String], steps: [Step]) {
        func scalar(_ raw: Substring) -> String {
            let value = raw.trimmingCharacters(in: .whitespaces)
            return value.count >= 2 && (value.hasPrefix("'") && value.hasSuffix("'") || value.hasPrefix("\"") && value.hasSuffix("\""))
                ? String(value.dropFirst().dropLast()) : value
        }
        func flowMap(_ raw: String) -> [String: String] {
            let body = raw.trimmingCharacters(in: .whitespaces).dropFirst().dropLast()
            return Dictionary(body.split(separator: ",").compactMap { pair in
                guard let colon = pair.firstIndex(of: ":") else { return nil }
                return (scalar(pair[..<colon]), scalar(pair[pair.index(after: colon)...]))
            }, uniquingKeysWith: { $1 })
        }
        var environment: [String: String] = [:], steps: [Step] = []
        var section = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 4 { section = trimmed; continue }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            if section == "env:" && indent == 6 {
                environment[String(trimmed[..<colon])] = scalar(trimmed[trimmed.index(after: colon)...])
            } else if section == "steps:" {
                var entry = Substring(trimmed)
                if entry.hasPrefix("- ") { steps.append(Step()); entry = entry.dropFirst(2) }
                guard let colon = entry.firstIndex(of: ":"), !steps.isEmpty else { continue }
                let key = String(entry[..<colon]), value = String(entry[entry.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                if key == "with" { steps[steps.count - 1].with = flowMap(value) } else { steps[steps.count - 1].keys[key] = scalar(Substring(value)) }
            }
        }
        return (environment, steps)
    }

    /// `${{ ... }}` expressions: the secrets and the outputs of earlier steps.
    static func substitute(_ text: String, secrets: [String: String], outputs: [String: [String: String]]) throws -> String {
        var result = "", rest = Substring(text)
        while let open = rest.range(of: "${{") {
            result += rest[..<open.lowerBound]
            let close = try #require(rest[open.upperBound...].range(of: "}}"), "an unclosed expression in \(text)")
            let expression = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let parts = expression.split(separator: ".").map(String.init)
            if parts.count == 2, parts[0] == "secrets" {
                result += try #require(secrets[parts[1]], "the test gives no secret \(parts[1])")
            } else if parts.count == 4, parts[0] == "steps", parts[2] == "outputs" {
                result += try #require(outputs[parts[1]]?[parts[3]], "no output \(expression)")
            } else {
                Issue.record("an expression the test does not evaluate: \(expression)")
            }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    @Test(.enabled(if: Peer.go.shouldRun, Peer.go.skipComment), .enabled(if: S3Peers.shouldRun, S3Peers.skipComment))
    func theExampleWorkflowBuildsTheServiceWithItsProfiles() async throws {
        let go = try Peer.go.require()
        let pgo = try GitHubActionTests.cachedPGO()
        let server = try await S3TestServer.shared(.seaweedfs)
        let directory = try temporaryDirectory("pgo-workflow")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (jobEnvironment, steps) = Self.parse(try String(contentsOfFile: Self.workflow, encoding: .utf8))
        #expect(steps.count == 6, "\(steps.map(\.keys))")

        // The job's env, with the repository's secrets and the S3 server the workflow names.
        let secrets = ["PROFILES_ACCESS_KEY_ID": server.accessKeyID, "PROFILES_SECRET_ACCESS_KEY": server.secretAccessKey]
        var environment: [String: String] = ["AWS_REGION": server.region, "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"]
        for (name, value) in jobEnvironment { environment[name] = try Self.substitute(value, secrets: secrets, outputs: [:]) }
        #expect(environment["AWS_ENDPOINT_URL"] == "https://minio.example.com")
        environment["AWS_ENDPOINT_URL"] = server.endpoint.absoluteString

        // Production uploaded profiles to the store the action is given.
        let fetchStep = try #require(steps.first { $0.keys["uses"]?.contains("/Examples/github-action@") == true })
        let store = try #require(fetchStep.with["store"])
        #expect(store == "s3://profiles/prod")
        _ = try? server.aws(["s3api", "create-bucket", "--bucket", "profiles"])
        let service = try #require(fetchStep.with["service"])
        let minute = 60_000.0, now = Date().timeIntervalSince1970 * 1000
        for (i, name) in ["small-1", "small-2", "small-3"].enumerated() {
            let at = String(Int64(now - Double(i + 1) * minute))
            let upload = try runProgram(pgo, ["upload", "--store", store, "--service", service, "--at", at, Fixtures.path("profiles/\(name).pb.gz")], environment: environment)
            try #require(upload.status == 0, "\(upload.combined)")
        }

        let workspace = directory + "/workspace"
        var path = "/usr/bin:/bin"
        var outputs: [String: [String: String]] = [:]
        for step in steps {
            let uses = step.keys["uses"] ?? ""
            if uses.hasPrefix("actions/checkout@") {
                try FileManager.default.copyItem(atPath: RecipeTests.root + "/Examples/go-service", toPath: workspace)
            } else if uses.hasPrefix("actions/setup-go@") {
                path = (go as NSString).deletingLastPathComponent + ":" + path
            } else if uses.hasPrefix("swift-actions/setup-swift@") {
                path = try #require(testToolchain.directory) + ":" + path
            } else if uses.hasPrefix("swift-pgo/swift-pgo/Examples/github-action@") {
                #expect(uses.hasSuffix("@0.1.0"), "pinned to a release tag: \(uses)")
                let run = try GitHubActionTests.runFetchStep(
                    directory, inputs: step.with, environment: environment.merging(["PATH": path]) { $1 }, workspace: workspace)
                #expect(run.status == 0, "\(run.output)")
                #expect(run.output.contains("pgo: profile from 3 objects (the last 7d) -> \(workspace)/default.pgo"), "\(run.output)")
                outputs[try #require(step.keys["id"])] = run.outputs
            } else if let command = step.keys["run"] {
                let script = try Self.substitute(command, secrets: secrets, outputs: outputs)
                #expect(script == "go build -pgo=\(workspace)/default.pgo ./...")
                let build = try runProgram("/bin/bash", ["-e", "-c", script], in: workspace, environment: environment.merging([
                    "PATH": path, "GOPROXY": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "", "GOCACHE": directory + "/gocache", "HOME": directory,
                ]) { $1 })
                #expect(build.status == 0, "\(build.combined)")
            } else if uses.hasPrefix("actions/upload-artifact@") {
                let artifact = try #require(step.with["path"])
                #expect(FileManager.default.fileExists(atPath: workspace + "/" + artifact), "the artifact \(artifact)")
            } else {
                Issue.record("a step the test does not run: \(step.keys)")
            }
        }
        let info = try runProgram(go, ["version", "-m", workspace + "/service"]).output
        #expect(info.contains("-pgo=\(workspace)/default.pgo"), "\(info)")
    }
}
