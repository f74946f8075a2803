import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

@Suite struct SampleProfileTests {
    /// main (starts at 10) calls work (20) at line 12; leaf (30) is inlined into work at line 24.
    func synthetic() -> Profile {
        var p = Profile()
        p.stringTable = ["", "samples", "count", "main", "$s4main4workyyF", "work", "leaf"]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.functions = [
            Function(id: 1, name: 3, systemName: 3, startLine: 10),
            Function(id: 2, name: 5, systemName: 4, startLine: 20),
            Function(id: 3, name: 6, systemName: 6, startLine: 30),
            Function(id: 4, name: 6, systemName: 6, startLine: 0),  // compiler-generated: no start line
        ]
        p.locations = [
            Location(id: 1, address: 0x100, lines: [Line(functionID: 2, line: 22)]),  // in work
            Location(id: 2, address: 0x200, lines: [Line(functionID: 1, line: 12)]),  // main's call of work
            Location(id: 3, address: 0x300, lines: [Line(functionID: 3, line: 31), Line(functionID: 2, line: 24)]),  // leaf inlined in work
            Location(id: 4, address: 0x400, lines: [Line(functionID: 4, line: 5)]),
            Location(id: 5, address: 0x500),  // address only
        ]
        p.samples = [
            Sample(locationIDs: [1, 2], values: [5]),
            Sample(locationIDs: [3, 2], values: [3]),
            Sample(locationIDs: [4, 2], values: [1]),
            Sample(locationIDs: [5], values: [2]),
        ]
        return p
    }

    @Test func convertsBodiesInlineesCallTargetsAndHeads() {
        var report = ConversionReport()
        let profile = SampleProfile(converting: synthetic(), report: &report)
        // The call into compiler-generated code (no start line: a thunk, say) keeps its call
        // target, though the callee's own samples cannot be placed.
        #expect(profile.textFormat() == """
            main:9:0
             2: 9 $s4main4workyyF:8 leaf:1
            $s4main4workyyF:8:8
             2: 5
             4: leaf:3
              1: 3

            """)
        #expect(report == ConversionReport(framesWithoutStartLine: 1, samplesWithoutLines: 1))
    }

    @Test func llvmProfdataAcceptsWhatWeWrite() throws {
        guard let profdata = testToolchain.tool("llvm-profdata") else {
            Issue.record("llvm-profdata not found next to swiftc")
            return
        }
        let directory = try temporaryDirectory("pgo-llvm")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixtures = Fixtures.inPackage("Fixtures/profiles/")
        var report = ConversionReport()
        for (name, profile) in [("synthetic", synthetic()), ("large", try ProfileFile.read(fixtures + "large.pb.gz"))] {
            let text = SampleProfile(converting: profile, report: &report).textFormat()
            let path = directory + "/\(name).prof"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let show = try runProgram(profdata, ["show", "--sample", path])
            let output = show.combined
            #expect(show.status == 0, "\(name): \(output)")
            let functionCount = text.split(separator: "\n").filter { !$0.hasPrefix(" ") }.count
            #expect(output.contains("Function: "), "\(name): \(output)")
            #expect(output.components(separatedBy: "Function: ").count - 1 == functionCount, "\(name)")
        }
    }

    /// Standard-library code inlined into a hot line has no start line: the sample counts at
    /// the line that inlined it instead of being lost with the whole frame.
    @Test func inlinedCodeWithoutLinesCountsAtItsCallSite() throws {
        var p = synthetic()
        // work (starts at 20) inlines a stdlib function (no start line) at its line 26.
        p.locations[0].lines = [Line(functionID: 4, line: 9), Line(functionID: 2, line: 26)]
        var report = ConversionReport()
        let profile = SampleProfile(converting: p, report: &report)
        let work = try #require(profile.functions["$s4main4workyyF"])
        #expect(work.bodySamples[LineLocation(offset: 6)] == 5)
        #expect(work.inlinees[LineLocation(offset: 6)] == nil)
        #expect(report.framesFoldedIntoCallSites == 1)
        // main still calls work there: the call target is kept (the folded frame is not the caller).
        #expect(profile.functions["main"]?.callTargets[LineLocation(offset: 2)]?["$s4main4workyyF"] == 8)
    }

    /// A timer interrupt's kernel frames sit below the interrupted line in perf stacks; they are
    /// not calls made there.
    @Test func kernelFramesAreNotCallTargets() throws {
        var p = synthetic()
        p.stringTable.append("[kernel.kallsyms]")
        p.mappings = [Mapping(id: 1, memoryStart: 0, memoryLimit: 0x1000, filename: Int64(p.stringTable.count - 1))]
        p.locations[3].mappingID = 1  // location 4: function 4 (no start line), now in the kernel
        var report = ConversionReport()
        let profile = SampleProfile(converting: p, report: &report)
        #expect(profile.functions["main"]?.callTargets[LineLocation(offset: 2)]?["leaf"] == nil)
        #expect(profile.functions["main"]?.bodySamples[LineLocation(offset: 2)] == 9)
    }

    /// What LLVM's format cannot hold is counted and left out, never written: llvm-profdata
    /// rejects line offsets past 65,535, and counts past 64 bits must not trap.
    @Test func unrepresentableLinesAreLeftOutAndHugeCountsSaturate() throws {
        var p = synthetic()
        p.locations[0].lines = [Line(functionID: 2, line: 20 + 70_000)]
        p.samples = [Sample(locationIDs: [1, 2], values: [5]), Sample(locationIDs: [3, 2], values: [Int64.max]),
                     Sample(locationIDs: [3, 2], values: [Int64.max]), Sample(locationIDs: [3, 2], values: [Int64.max])]
        var report = ConversionReport()
        let profile = SampleProfile(converting: p, report: &report)
        #expect(report.framesWithoutStartLine == 1)
        let work = try #require(profile.functions["$s4main4workyyF"])
        #expect(work.bodySamples.keys.allSatisfy { $0.offset <= 0xffff })
        #expect(work.totalSamples == UInt64.max)
        _ = try profile.validatedText()
    }
}

@Suite struct SampleProfileTextTests {
    @Test func textRoundTripsThroughOurReader() throws {
        let fixtures = Fixtures.inPackage("Fixtures/profiles/")
        var report = ConversionReport()
        for name in ["large", "small-1", "other-binary"] {
            let profile = SampleProfile(converting: try ProfileFile.read(fixtures + name + ".pb.gz"), report: &report)
            let text = profile.textFormat()
            let read = try SampleProfile(text: text)
            #expect(read == profile, "\(name)")
            #expect(read.textFormat() == text)
        }
    }

    @Test func malformedTextNamesTheLine() {
        #expect(throws: SampleProfileFormatError(line: 2, problem: "bad line offset 'x'")) {
            try SampleProfile(text: "f:10:0\n x: 10\n")
        }
        #expect(throws: SampleProfileFormatError(line: 1, problem: "expected NAME:TOTAL:HEAD")) {
            try SampleProfile(text: "f:ten:0\n")
        }
    }
}
