import Foundation
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import LLVMProfile
import Testing

/// Instrumented mode's link to the LLVM profiling runtime, with the real runtime: a program built
/// with the toolchain's clang and `-fprofile-instr-generate` (the runtime swiftc's
/// `-profile-generate` links too) around the agent's C sampler, and the same program without it.
@Suite struct InstrumentedRuntimeTests {
    static let sampler = Fixtures.inPackage("Sources/CPGOSampler")

    static let program = """
        #include <stdio.h>
        #include "CPGOSampler.h"
        static int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += (i % 3 == 0) ? i : 1; return s; }
        int main(int argc, char **argv) {
            printf("available=%d\\n", pgo_llvm_profile_available());
            printf("work=%d\\n", work(1000));
            printf("first=%d\\n", pgo_llvm_profile_write_and_reset(argv[1]));
            printf("second=%d\\n", pgo_llvm_profile_write_and_reset(argv[2]));
            return 0;
        }

        """

    func build(_ directory: String, instrumented: Bool) throws -> String {
        let clang = try #require(testToolchain.tool("clang"), "the toolchain's clang is not next to swiftc")
        try Self.program.write(toFile: directory + "/main.c", atomically: true, encoding: .utf8)
        let output = directory + (instrumented ? "/instrumented" : "/plain")
        let build = try runCommand(clang, ["-O1", "-I", Self.sampler + "/include", directory + "/main.c", Self.sampler + "/sampler.c", "-o", output]
            + (instrumented ? ["-fprofile-instr-generate"] : []), in: directory)
        try #require(build.status == 0, "\(build.output)")
        return output
    }

    @Test func countersAreWrittenAndResetWhereTheRuntimeIsLinked() throws {
        let directory = try temporaryDirectory("pgo-agent-instr")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let profdata = try #require(testToolchain.tool("llvm-profdata"))

        let instrumented = try build(directory, instrumented: true)
        let run = try runCommand(instrumented, [directory + "/first.profraw", directory + "/second.profraw"], in: directory)
        #expect(run.output.contains("available=1\n") && run.output.contains("first=0\n") && run.output.contains("second=0\n"), "\(run.output)")
        // The first file holds the run's counts; the second, written after the reset, none for `work`.
        func workCount(_ file: String) throws -> String? {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            _ = try RawProfileLayout(parsing: bytes, source: file)
            let shown = try runCommand(profdata, ["show", "--all-functions", file], in: directory).output
            let lines = shown.split(separator: "\n")
            guard let index = lines.firstIndex(where: { $0.hasSuffix(":work:") }) else { return nil }
            return lines[index...].first { $0.contains("Function count:") }.map { String($0.split(separator: ":").last!).trimmingCharacters(in: .whitespaces) }
        }
        #expect(try workCount(directory + "/first.profraw") == "1")
        #expect(try workCount(directory + "/second.profraw") == "0")
        // The exit-time write went back to the process's own name, not to our files.
        #expect(FileManager.default.fileExists(atPath: directory + "/default.profraw"))

        // Without the runtime the weak references are null: it links, runs, and says so.
        let plain = try build(directory, instrumented: false)
        let plainRun = try runCommand(plain, [directory + "/x.profraw", directory + "/y.profraw"], in: directory)
        #expect(plainRun.status == 0)
        #expect(plainRun.output.contains("available=0\n") && plainRun.output.contains("first=-1\n"), "\(plainRun.output)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/x.profraw"))
    }
}

func runCommand(_ tool: String, _ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let log = directory + "/log-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
}
