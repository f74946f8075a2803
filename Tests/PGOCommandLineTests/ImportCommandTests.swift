import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
import LLVMProfile
@testable import PGOCommandLine

/// `pgo import --perf-script` on a fresh perf capture, then `pgo convert --binary`, and the
/// errors a user meets: malformed perf script, another binary, no llvm-symbolizer.
@Suite struct ImportCommandTests {
    static let workload = fixtures + "/perf/workload.swift"

    func run(_ executable: String, _ arguments: [String], stdout: String? = nil) throws -> Int32 {
        try runProgram(executable, arguments, stdout: stdout).status
    }

    @Test func helpShowsThePerfCommands() async {
        let (status, output) = await pgo(["import", "--help"])
        #expect(status == 0)
        for text in ["Usage: pgo import", "--perf-script FILE", "--binary BIN", "--dso PATH", "perf record -e cpu-clock -g", "perf script"] {
            #expect(output.stdout.contains(text), "\(text)")
        }
        #expect(await pgo(["import", "--binary", "x", "-o", "y"]).status == 2)
    }

    @Test func malformedPerfScriptNamesFileAndLine() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "w 1 1.5: 250000 cpu-clock:\n\t401000 main+0x10 (/app/w)\n\tnot-a-frame\n".write(toFile: directory + "/bad.perf", atomically: true, encoding: .utf8)
        // Any ELF file will do: the script fails first.
        let (status, output) = await pgo(["import", "--perf-script", "bad.perf", "--binary", "/bin/sh", "-o", "out.pprof"], in: directory)
        #expect(status == 1)
        #expect(output.stderr.contains("bad.perf: line 3:"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.pprof"))
    }

    /// A real capture of a program that spends its time in swift_retain/swift_release, with perf's
    /// default demangling: libswiftCore's C++ frames arrive with spaces in their names. The
    /// conversion leaves those names out, counts them, and still writes a profile swiftc reads.
    @Test(.enabled(if: Peer.perf.shouldRun, Peer.perf.skipComment))
    func perfCaptureWithDemangledRuntimeFramesConverts() async throws {
        let perf = try Peer.perf.require()
        let swiftc = try #require(testToolchain.swiftc)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try run(swiftc, ["-O", "-g", "-module-name", "RR", "-parse-as-library", fixtures + "/perf/retain-release.swift", "-o", directory + "/rr"]) == 0)
        #expect(try run(perf, ["record", "-q", "-e", "cpu-clock", "-g", "-o", directory + "/perf.data", directory + "/rr", "200000"]) == 0)
        #expect(try run(perf, ["script", "-i", directory + "/perf.data"], stdout: directory + "/rr.perf") == 0)
        let script = try String(contentsOfFile: directory + "/rr.perf", encoding: .utf8)
        #expect(script.contains("swift::RefCounts<"), "perf names the runtime's C++ frames demangled")

        let imported = await pgo(["import", "--perf-script", "rr.perf", "--binary", "rr", "-o", "rr.pprof"], in: directory)
        #expect(imported.status == 0, "\(imported.output.stderr)")
        let converted = await pgo(["convert", "--binary", "rr", "-o", "rr.prof", "rr.pprof"], in: directory)
        #expect(converted.status == 0, "\(converted.output.stderr)")
        let leftOut = try #require(converted.output.stderr.split(separator: "\n").first { $0.contains("whose names a sample profile cannot hold") })
        #expect((Int(leftOut.split(separator: " ")[3]) ?? 0) > 0, "\(leftOut)")
        let text = try String(contentsOfFile: directory + "/rr.prof", encoding: .utf8)
        #expect(text.contains("$s2RR5churnyS2iF"), "\(text.prefix(1000))")
        #expect(!text.contains("swift::"))
        let profdata = try #require(testToolchain.tool("llvm-profdata"))
        #expect(try run(profdata, ["show", "--sample", directory + "/rr.prof"]) == 0)
    }

    @Test(.enabled(if: Peer.perf.shouldRun, Peer.perf.skipComment))
    func perfCaptureImportsConvertsAndRejectsOtherBinaries() async throws {
        let perf = try Peer.perf.require()
        let swiftc = try #require(testToolchain.swiftc)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flags = ["-O", "-g", "-debug-info-for-profiling", "-module-name", "W", "-parse-as-library"]
        #expect(try run(swiftc, flags + [Self.workload, "-o", directory + "/w"]) == 0)
        #expect(try run(perf, ["record", "-q", "-e", "cpu-clock", "-g", "-o", directory + "/perf.data", directory + "/w", "60000000"]) == 0)
        #expect(try run(perf, ["script", "-i", directory + "/perf.data"], stdout: directory + "/w.perf") == 0)

        let imported = await pgo(["import", "--perf-script", "w.perf", "--binary", "w", "-o", "w.pprof"], in: directory)
        #expect(imported.status == 0, "\(imported.output.stderr)")
        let buildID = try #require(try ELFBuildID.read(directory + "/w"))
        #expect(imported.output.stderr.contains("build ID \(buildID)"), "\(imported.output.stderr)")
        let profile = try ProfileFile.read(directory + "/w.pprof")
        #expect(profile.string(profile.mappings[0].buildID) == buildID)

        let converted = await pgo(["convert", "--binary", "w", "-o", "w.prof", "w.pprof"], in: directory)
        #expect(converted.status == 0, "\(converted.output.stderr)")
        let text = try String(contentsOfFile: directory + "/w.prof", encoding: .utf8)
        #expect(text.contains("$s1W8classifyyS2iF:"), "\(text)")

        // Another program with the same file name: its symbols do not fit the perf data.
        try FileManager.default.createDirectory(atPath: directory + "/other", withIntermediateDirectories: true)
        try SwiftcAppliesSamplesTestsSource.text.write(toFile: directory + "/other/w.swift", atomically: true, encoding: .utf8)
        #expect(try run(swiftc, flags + [directory + "/other/w.swift", "-o", directory + "/other/w"]) == 0)
        let otherID = try #require(try ELFBuildID.read(directory + "/other/w"))
        let rejected = await pgo(["import", "--perf-script", "w.perf", "--binary", "other/w", "-o", "other.pprof"], in: directory)
        #expect(rejected.status == 1)
        #expect(rejected.output.stderr.contains("build ID \(otherID)) is not the binary perf sampled"), "\(rejected.output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/other.pprof"))
        // The right profile converted against the other binary: the build IDs disagree.
        let mismatched = await pgo(["convert", "--binary", "other/w", "-o", "x.prof", "w.pprof"], in: directory)
        #expect(mismatched.status == 1)
        #expect(mismatched.output.stderr.contains(otherID) && mismatched.output.stderr.contains(buildID), "\(mismatched.output.stderr)")

        // No llvm-symbolizer next to swiftc: convert says so.
        _ = FileManager.default.createFile(atPath: directory + "/swiftc", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        let captured = Captured()
        var context = captured.context(in: directory)
        context.environment = ["SWIFTC": directory + "/swiftc", "PATH": ""]
        let status = await PGOTool.run(["convert", "--binary", "w", "-o", "y.prof", "w.pprof"], context: context)
        #expect(status == 1)
        #expect(captured.stderr.contains("llvm-symbolizer not found next to swiftc"), "\(captured.stderr)")
    }
}

/// A different small program for the wrong-binary case.
enum SwiftcAppliesSamplesTestsSource {
    static let text = """
        @inline(never)
        func other(_ x: Int) -> Int { x &* 7 &+ 1 }

        @main
        struct Main {
            static func main() {
                var total = 0
                for i in 0..<1_000 { total &+= other(i) }
                print(total)
            }
        }

        """
}
