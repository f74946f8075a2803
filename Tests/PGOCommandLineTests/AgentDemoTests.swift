import Foundation
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing

/// `agent-demo`, the workload under the agent, as issue 6 describes its use: profiles land in the
/// store while it runs, and `pgo fetch --llvm --binary` turns them into a validated sample profile.
@Suite struct AgentDemoTests {
    static var agentDemo: String? {
        RecipeTests.pgoDirectory.map { $0 + "/agent-demo" }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    }

    @Test func profilesOfARunBecomeASampleProfileForItsBinary() async throws {
        let demo = try #require(Self.agentDemo, "agent-demo is not built next to the tests")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ["--store", directory + "/store", "--service", "demo"]

        let help = try runProgram(demo, ["--help"])
        #expect(help.status == 0)
        #expect(help.combined.contains("Usage: agent-demo [options]"))
        #expect(try runProgram(demo, ["--bogus"]).status == 2)

        let demoRun = try runProgram(demo, store + ["--interval", "1s", "--duration", "500ms", "--seconds", "4"])
        #expect(demoRun.status == 0, "\(demoRun.combined)")
        #expect(demoRun.combined.contains("checksum: "))
        #expect(!demoRun.combined.contains("profiler:"), "the profiler reported errors: \(demoRun.combined)")

        // One profile per interval while it ran: the run ends at the first round past 4 s, which on a
        // busy machine may be well past it, so the count is checked against the wall time it reports.
        let wall = try #require(demoRun.combined.split(separator: "\n").first { $0.contains(" s wall") }
            .flatMap { $0.components(separatedBy: " in ").last?.split(separator: " ").first }.flatMap { Double($0) })
        #expect(wall >= 4)
        let list = await pgo(["list"] + store, in: directory)
        #expect(list.status == 0, "\(list.output.stderr)")
        let profiles = list.output.stdout.split(separator: "\n").filter { $0.contains(".pb.gz") }
        // Starts at 0, 1, 2, ... s; the one under way when the run ends is not saved.
        #expect(profiles.count >= 3 && profiles.count <= Int(wall.rounded(.up)), "\(wall) s: \(list.output.stdout)")

        // The agent put its own symbols in the store, so the fetch needs no binary.
        let buildID = try #require(try ELFBuildID.read(demo))
        let symbolFile = directory + "/store/buildid/\(buildID)/debuginfo"
        #expect(try ChunkedFile(path: symbolFile).size == (try ChunkedFile(path: demo).size))
        let fetch = await pgo(["fetch"] + store + ["--since", "1h", "--llvm", "demo.prof", "--manifest", "demo.json", "--strict", "--cache", "none"], in: directory)
        #expect(fetch.status == 0, "\(fetch.output.stderr)")
        let text = try String(contentsOfFile: directory + "/demo.prof", encoding: .utf8)
        // The workload's interpreter and lexer, by their linkage names, symbolized against the binary.
        #expect(text.contains("12WorkloadCore7MachineC"), "\(text.prefix(2000))")
        #expect(text.contains("12WorkloadCore5LexerV"), "\(text.prefix(2000))")
        let manifest = try String(contentsOfFile: directory + "/demo.json", encoding: .utf8)
        #expect(manifest.contains("\"source\" : \"store\"") && manifest.contains(buildID), "\(manifest)")

        // --no-symbols leaves the area alone; a stripped executable is told once what to do instead.
        let quiet = try runProgram(demo, ["--store", directory + "/quiet", "--service", "demo", "--interval", "500ms", "--duration", "200ms", "--seconds", "1", "--no-symbols"])
        #expect(quiet.status == 0, "\(quiet.combined)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/quiet/buildid"))
        let objcopy = try #require(testToolchain.tool("llvm-objcopy"))
        #expect(try runProgram(objcopy, ["--strip-debug", demo, directory + "/stripped-demo"]).status == 0)
        let stripped = try runProgram(directory + "/stripped-demo", ["--store", directory + "/stripped", "--service", "demo", "--interval", "300ms", "--duration", "100ms", "--seconds", "2"])
        #expect(stripped.status == 0, "\(stripped.combined)")
        #expect(stripped.combined.components(separatedBy: "cannot upload symbols").count == 2, "exactly one error: \(stripped.combined)")
        #expect(stripped.combined.contains("pgo symbols upload"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/stripped/demo").count >= 2, "profiling went on")
    }
}
