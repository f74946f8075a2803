import Foundation
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
@testable import PGOCommandLine

/// The instrumented path as a service and its build use it: a `-profile-generate` binary writes a
/// `.profraw`, `pgo upload` stores it, `pgo fetch --llvm` merges it, and swiftc builds with the flags.
@Suite struct InstrumentedFetchTests {

    func shell(_ command: String, in directory: String) throws -> (status: Int32, output: String) {
        try runProgram("/bin/sh", ["-c", command], in: directory).statusAndOutput
    }

    @Test func uploadedProfrawBecomesAProfdataThatSwiftcBuildsWith() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: fixtures + "/instrumented/main.swift", toPath: directory + "/main.swift")
        let generate = try shell("swiftc -O -module-name App -profile-generate \(directory)/main.swift -o gen && LLVM_PROFILE_FILE=\(directory)/%p.profraw ./gen", in: directory)
        try #require(generate.status == 0, "\(generate.output)")
        let raw = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".profraw") })

        let store = ["--store", directory + "/store", "--service", "app"]
        // A raw profile that is cut short is refused before anything is sent.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + raw))
        try bytes.prefix(100).write(to: URL(fileURLWithPath: directory + "/cut.profraw"))
        let refused = await pgo(["upload"] + store + [directory + "/cut.profraw"], in: directory)
        #expect(refused.status == 1)
        #expect(refused.output.stderr.contains("cut.profraw: truncated raw profile: 100 bytes, shorter than its 128-byte header"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/store/app"))

        // The raw profile and a pprof profile of the same window.
        let upload = await pgo(["upload"] + store + ["--at", "2026-11-25T10:00:00Z", raw], in: directory)
        #expect(upload.status == 0, "\(upload.output.stderr)")
        #expect(upload.output.stdout.contains(".profraw ("))
        let pprof = await pgo(["upload"] + store + ["--at", "2026-11-25T10:00:01Z", fixtures + "/profiles/small-1.pb.gz"], in: directory)
        #expect(pprof.status == 0)

        let window = ["--from", "2026-11-25T00:00:00Z", "--to", "2026-11-26T00:00:00Z", "--cache", "none"]
        let fetch = await pgo(["fetch"] + store + window + ["--llvm", "app.profdata", "--flags", ".pgo", "--strict"], in: directory)
        #expect(fetch.status == 0, "\(fetch.output.stderr)")
        #expect(fetch.output.stderr.contains("its 1 pprof profiles are left out"))
        #expect(!fetch.output.stderr.contains("source root"), "built here, so the sources are under the root: \(fetch.output.stderr)")
        let profdata = try Data(contentsOf: URL(fileURLWithPath: directory + "/app.profdata"))
        #expect(profdata.prefix(8) == Data([0xff, 0x6c, 0x70, 0x72, 0x6f, 0x66, 0x69, 0x81]))  // indexed profile magic
        let args = try String(contentsOfFile: directory + "/.pgo/swiftc-args.txt", encoding: .utf8)
        #expect(args == "-Xswiftc -profile-use=\(directory)/app.profdata -Xswiftc -Xfrontend -Xswiftc -disable-incremental-llvm-codegen\n")
        let manifest = try String(contentsOfFile: directory + "/.pgo/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"kind\" : \"llvm-instrumented\""))
        #expect(manifest.contains(".profraw"))

        // swiftc builds with it (smoothed: the never-run `neverCalled` would crash 6.3.1 otherwise) and finds every function.
        let flags = args.replacingOccurrences(of: "-Xswiftc ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        let build = try shell("swiftc -O -module-name App \(flags) \(directory)/main.swift -o use", in: directory)
        #expect(build.status == 0, "\(build.output)")
        #expect(!build.output.contains("no profile data available"), "\(build.output)")

        // The same fetch from another source root warns that the profile will match nothing.
        let moved = await pgo(["fetch"] + store + window + ["--llvm", "moved.profdata", "--source-root", "/srv/elsewhere"], in: directory)
        #expect(moved.status == 0)
        #expect(moved.output.stderr.contains("outside this build's source root /srv/elsewhere"))

        // --go needs pprof objects, which the window has: the instrumented ones do not get in its way.
        let go = await pgo(["fetch"] + store + window + ["--go", "default.pgo", "--strict"], in: directory)
        #expect(go.status == 0, "\(go.output.stderr)")
    }
}

/// Instrumented windows compact into `.profdata` rollups merged by the toolchain's llvm-profdata,
/// unsmoothed; the fetch smooths once, with the binaries' templates the records keep, so its
/// output is the raw fetch's byte for byte, and swiftc builds with it.
@Suite struct InstrumentedCompactionTests {
    @Test func profrawRollupsFetchTheRawProfdata() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: fixtures + "/instrumented/main.swift", toPath: directory + "/main.swift")
        // Five runs, two of them down the branch the others never take.
        let runs = (1...5).map { "LLVM_PROFILE_FILE=\(directory)/run\($0).profraw ./gen \($0 > 3 ? "a b c" : "a")" }.joined(separator: " && ")
        let generate = try runProgram("/bin/sh", ["-c", "swiftc -O -module-name App -profile-generate main.swift -o gen && " + runs], in: directory).statusAndOutput
        try #require(generate.status == 0, "\(generate.output)")
        let store = ["--store", directory + "/store", "--service", "app"]
        for (run, time) in ["00:10", "00:20", "01:10", "02:10", "02:20"].enumerated() {
            let upload = await pgo(["upload"] + store + ["--at", "2026-11-20T\(time):00Z", "run\(run + 1).profraw"], in: directory)
            try #require(upload.status == 0, "\(upload.output.stderr)")
        }
        let window = ["--from", "2026-11-20T00:00:00Z", "--to", "2026-11-20T23:59:59Z", "--cache", "none", "--strict"]
        let raw = await pgo(["fetch"] + store + window + ["--llvm", "raw.profdata"], in: directory)
        #expect(raw.status == 0, "\(raw.output.stderr)")

        let hourly = await pgo(["compact"] + store + ["--delete-raw"], in: directory)
        #expect(hourly.status == 0, "\(hourly.output.stderr)")
        #expect(hourly.output.stdout.components(separatedBy: "profdata: wrote rollups/app/1h/").count == 4, "\(hourly.output.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/store/app").isEmpty, "raw objects deleted")
        let overHourly = await pgo(["fetch"] + store + window + ["--llvm", "hourly.profdata", "--manifest", "hourly.json"], in: directory)
        #expect(overHourly.status == 0, "\(overHourly.output.stderr)")
        #expect(overHourly.output.stderr.contains("fetched 5 profiles") && overHourly.output.stderr.contains("3 of them rollups"))
        #expect(!overHourly.output.stderr.contains("cannot be smoothed"), "\(overHourly.output.stderr)")

        let daily = await pgo(["compact"] + store + ["--period", "1d", "--delete-raw"], in: directory)
        #expect(daily.status == 0, "\(daily.output.stderr)")
        let overDaily = await pgo(["fetch"] + store + window + ["--llvm", "daily.profdata"], in: directory)
        #expect(overDaily.status == 0, "\(overDaily.output.stderr)")

        let expected = try Data(contentsOf: URL(fileURLWithPath: directory + "/raw.profdata"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/hourly.profdata")) == expected)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/daily.profdata")) == expected)
        // Smoothed once: main ran 5 times and counts 6 (not 5, nor 5 + one per rollup); neverCalled ran twice and counts 3.
        let tool = try LLVMProfdata.locate(in: Toolchain.locate(environment: ProcessInfo.processInfo.environment))
        let show = try runProgram(tool.path, ["show", "--instr", "--all-functions", "--counts", "daily.profdata"], in: directory).statusAndOutput
        let counts = show.output.components(separatedBy: "\n").filter { $0.contains("Function count:") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(counts.sorted() == ["Function count: 1000001", "Function count: 3", "Function count: 6"], "\(show.output)")
        let build = try runProgram("/bin/sh", ["-c", "swiftc -O -module-name App -profile-use=daily.profdata main.swift -o use"], in: directory).statusAndOutput
        #expect(build.status == 0, "\(build.output)")
    }
}
