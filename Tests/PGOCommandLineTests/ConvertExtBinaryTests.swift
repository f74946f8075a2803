import Foundation
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import LLVMProfile
@testable import PGOCommandLine

/// `pgo convert --format extbinary` end to end: the file it writes is LLVM's extbinary, reads
/// back to the same profile as `--format text` gives, and the toolchain's llvm-profdata accepts it.
@Suite struct ConvertExtBinaryTests {
    @Test func convertWritesExtBinaryThatLLVMProfdataAccepts() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inputs = ["profiles/small-1.pb.gz", "profiles/small-2.pb.gz"]
        let binary = await pgo(["convert", "--format", "extbinary", "-o", directory + "/app.extbin"] + inputs)
        #expect(binary.status == 0, "\(binary.output.stderr)")
        #expect(binary.output.stderr.contains("converted 2 profiles into"))
        let text = await pgo(["convert", "--format", "text", "-o", directory + "/app.prof"] + inputs)
        #expect(text.status == 0, "\(text.output.stderr)")

        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/app.extbin")))
        #expect(SampleProfile.isExtBinary(bytes))
        let fromText = try SampleProfile(text: try String(contentsOfFile: directory + "/app.prof", encoding: .utf8))
        #expect(try SampleProfile(extBinary: bytes) == fromText)
        #expect(!fromText.functions.isEmpty)

        let profdata = try #require(testToolchain.tool("llvm-profdata"), "llvm-profdata not found next to swiftc")
        let (status, output) = try runProgram(profdata, ["show", "--sample", "--show-sec-info-only", directory + "/app.extbin"]).statusAndOutput
        #expect(status == 0, "\(output)")
        #expect(output.contains("LBRProfileSection"), "\(output)")
        #expect(output.contains("ProfileSummarySection"), "\(output)")
    }

    @Test func helpNamesBothEncodingsAndUnknownOnesAreUsageErrors() async {
        let help = await pgo(["convert", "--help"])
        #expect(help.status == 0)
        #expect(help.output.stdout.contains("extbinary"))
        #expect(help.output.stdout.contains("text"))
        let unknown = await pgo(["convert", "--format", "gcc", "-o", "x", "profiles/small-1.pb.gz"])
        #expect(unknown.status == 2)
        #expect(unknown.output.stderr.contains("unknown --format 'gcc' (known: text, extbinary)"))
    }
}
