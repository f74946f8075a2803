import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

/// From a real perf capture of a freshly built Swift program to swiftc applying the profile.
@Suite(.enabled(if: Peer.perf.shouldRun, Peer.perf.skipComment)) struct PerfEndToEndTests {
    static let workload = "\(perfFixtures)/workload.swift"

    /// swiftc's AppliedSamples remarks as (function, line).
    func appliedSamples(in record: String) -> [(function: String, line: Int)] {
        let yaml = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        return yaml.components(separatedBy: "--- ").compactMap { remark in
            guard remark.contains("Name:") && remark.contains("AppliedSamples") else { return nil }
            let flat = remark.replacingOccurrences(of: "\n", with: " ")
            guard let lineRange = flat.range(of: #"Line: *[0-9]+"#, options: .regularExpression),
                  let functionRange = flat.range(of: #"Function: *'?[^' ]+"#, options: .regularExpression) else { return nil }
            let line = Int(flat[lineRange].filter(\.isNumber)) ?? 0
            let function = flat[functionRange].dropFirst("Function:".count).trimmingCharacters(in: CharacterSet(charactersIn: " '"))
            return (function, line)
        }
    }

    @Test(arguments: ["default linker", "lld"])
    func perfCaptureToAppliedSamples(linker: String) throws {
        let perf = try Peer.perf.require()
        let swiftc = try #require(testToolchain.swiftc)
        _ = try testToolchain.llvmSymbolizer()  // the toolchain has one: the symbolization below needs it
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flags = ["-O", "-g", "-debug-info-for-profiling", "-module-name", "W", "-parse-as-library", Self.workload]

        let build = try runProgram(swiftc, flags + ["-o", directory + "/w"] + (linker == "lld" ? ["-use-ld=lld"] : []), in: directory)
        try #require(build.status == 0, "\(build.errors)")
        let record = try runProgram(perf, ["record", "-q", "-e", "cpu-clock", "-g", "-o", directory + "/perf.data", directory + "/w", "150000000"], in: directory)
        try #require(record.status == 0, "perf record: \(record.errors)")
        let script = try runProgram(perf, ["script", "-i", directory + "/perf.data"], in: directory, stdout: directory + "/perf.txt")
        try #require(script.status == 0, "perf script: \(script.errors)")

        let samples = try PerfScript.parse(try String(contentsOfFile: directory + "/perf.txt", encoding: .utf8))
        let binary = try ELFFile(path: directory + "/w")
        if linker == "lld" {
            // The case the file-offset translation exists for.
            let text = try #require(binary.segments.first { $0.isExecutable })
            #expect(text.virtualAddress != text.offset)
        }
        var report = PerfImportReport()
        let imported = try PerfScriptImport.profile(from: samples, binary: binary, report: &report)
        #expect(report.samples == samples.count)
        #expect(report.framesInBinary * 2 > samples.count, "most samples are in the binary's loops: \(report)")
        #expect(imported.string(imported.mappings[0].buildID) == binary.buildID)

        let symbolized = try SampleProfileWorkflow.symbolize(imported, binary: directory + "/w", toolchain: testToolchain)
        var conversion = ConversionReport()
        let profile = SampleProfile(converting: symbolized.profile, discriminators: symbolized.discriminators, report: &conversion)
        let text = try profile.checkedText(testToolchain)
        #expect(text.contains("$s1W8classifyyS2iF:"), "\(text)")
        try text.write(toFile: directory + "/w.prof", atomically: true, encoding: .utf8)

        let rebuild = try runProgram(swiftc, flags + [
            "-c", "-o", directory + "/w.o", "-profile-sample-use=\(directory)/w.prof",
            "-save-optimization-record=yaml", "-save-optimization-record-passes", "sample-profile.*",
            "-save-optimization-record-path", directory + "/w.opt.yaml",
        ], in: directory)
        try #require(rebuild.status == 0, "\(rebuild.errors)")
        let applied = appliedSamples(in: directory + "/w.opt.yaml")
        // classify's body is lines 4-11 of workload.swift, mix's 14-18.
        #expect(applied.contains { $0.function == "$s1W8classifyyS2iF" && (4...11).contains($0.line) }, "\(applied)")
        #expect(applied.contains { $0.function == "$s1W3mixyS2i_SitF" && (14...18).contains($0.line) }, "\(applied)")
    }

    /// An address-only profile as an in-process agent writes it from /proc/self/maps (page-aligned
    /// start and file offset), of a binary whose code segment's p_vaddr != p_offset (lld).
    @Test func symbolizationTranslatesFileOffsetsToVirtualAddresses() throws {
        let swiftc = try #require(testToolchain.swiftc)
        let symbolizer = try testToolchain.llvmSymbolizer()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SwiftcAppliesSamplesTests.source.write(toFile: directory + "/w.swift", atomically: true, encoding: .utf8)
        let build = try runProgram(swiftc, ["-O", "-g", "-module-name", "W", "-parse-as-library", directory + "/w.swift", "-o", directory + "/w", "-use-ld=lld"], in: directory)
        try #require(build.status == 0, "\(build.errors)")
        let binary = try ELFFile(path: directory + "/w")
        let text = try #require(binary.segments.first { $0.isExecutable })
        try #require(text.virtualAddress != text.offset, "lld was expected to place code at p_vaddr != p_offset: \(binary.segments)")
        let classify = try #require(binary.symbols["$s1W8classifyyS2iF"]?.first).value

        let base: UInt64 = 0x5555_5555_4000
        let start = base + (text.virtualAddress & ~0xfff)
        var p = Profile()
        p.stringTable = ["", "samples", "count", "/app/w", try #require(binary.buildID)]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.mappings = [Mapping(id: 1, memoryStart: start, memoryLimit: start + 0x10000, fileOffset: text.offset & ~0xfff, filename: 3, buildID: 4)]
        p.locations = [Location(id: 1, mappingID: 1, address: base + classify + 4)]
        p.samples = [Sample(locationIDs: [1], values: [10])]

        let symbolized = try SampleProfileWorkflow.symbolize(p, binary: directory + "/w", toolchain: testToolchain)
        let line = try #require(symbolized.profile.locations.first?.lines.last)
        let function = try #require(symbolized.profile.functions.first { $0.id == line.functionID })
        #expect(symbolized.profile.string(function.systemName) == "$s1W8classifyyS2iF")
        #expect(function.startLine == 2)
        // The file offset itself, as symbolization used to pass it, names something else.
        let fileOffset = base + classify + 4 - start + (text.offset & ~0xfff)
        let untranslated = try SampleProfileWorkflow.frames(of: [fileOffset], in: directory + "/w", symbolizer: symbolizer, subprocess: Subprocess())
        #expect(untranslated.first?.last?.name != "$s1W8classifyyS2iF")
    }

    @Test func missingSymbolizerIsAClearError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A swiftc whose directory has no llvm-symbolizer.
        _ = FileManager.default.createFile(atPath: directory + "/swiftc", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        let error = #expect(throws: ToolchainError.self) {
            try Toolchain.locate(environment: ["SWIFTC": directory + "/swiftc", "PATH": ""]).llvmSymbolizer()
        }
        #expect(error?.description.contains("llvm-symbolizer not found next to swiftc (\(directory)/swiftc)") == true, "\(error?.description ?? "")")
    }
}
