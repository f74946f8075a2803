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
