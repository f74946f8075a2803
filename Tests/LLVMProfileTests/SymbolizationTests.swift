import Foundation
import Testing
import Pprof
@testable import LLVMProfile

/// Address-only profiles symbolized against the exact binary, as the agent and perf import need.
@Suite struct SymbolizationTests {
    func build(_ directory: String) throws -> String {
        try SwiftcAppliesSamplesTests.source.write(toFile: directory + "/w.swift", atomically: true, encoding: .utf8)
        let swiftc = try #require(Toolchain.swiftc())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swiftc)
        process.arguments = ["-O", "-g", "-module-name", "W", "-parse-as-library", directory + "/w.swift", "-o", directory + "/w"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return directory + "/w"
    }

    /// The address of a symbol in the binary, from llvm-nm.
    func address(of symbol: String, in binary: String) throws -> UInt64 {
        let nm = try #require(Toolchain.tool("llvm-nm"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nm)
        process.arguments = [binary]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = try #require(text.split(separator: "\n").first { $0.hasSuffix(" " + symbol) })
        return try #require(UInt64(line.split(separator: " ")[0], radix: 16))
    }

    func addressOnlyProfile(buildID: String, classify: UInt64, base: UInt64) -> Profile {
        var p = Profile()
        p.stringTable = ["", "samples", "count", "/app/w", buildID]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.mappings = [Mapping(id: 1, memoryStart: base, memoryLimit: base + 0x100000, filename: 3, buildID: 4)]
        p.locations = [Location(id: 1, mappingID: 1, address: base + classify + 4)]
        p.samples = [Sample(locationIDs: [1], values: [10])]
        return p
    }

    @Test func addressesBecomeLinkageNamesAndStartLines() throws {
        guard let symbolizer = Toolchain.tool("llvm-symbolizer") else {
            Issue.record("llvm-symbolizer not found next to swiftc")
            return
        }
        let directory = NSTemporaryDirectory() + "pgo-symbolize-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = try build(directory)
        let buildID = try #require(try ELFBuildID.read(binary))
        #expect(buildID.count == 40)
        let classify = try address(of: "$s1W8classifyyS2iF", in: binary)
        let base: UInt64 = 0x5555_5555_4000

        let symbolized = try Symbolization.symbolize(
            addressOnlyProfile(buildID: buildID, classify: classify, base: base), binary: binary, symbolizer: symbolizer)
        let line = try #require(symbolized.locations.first?.lines.last)
        let function = try #require(symbolized.functions.first { $0.id == line.functionID })
        #expect(symbolized.string(function.systemName) == "$s1W8classifyyS2iF")
        #expect(function.startLine == 2)
        var report = ConversionReport()
        let text = try SampleProfile(converting: symbolized, report: &report).validatedText()
        #expect(text.hasPrefix("$s1W8classifyyS2iF:10:0\n"))

        let error = #expect(throws: Symbolization.Error.self) {
            try Symbolization.symbolize(
                addressOnlyProfile(buildID: "0123abcd", classify: classify, base: base), binary: binary, symbolizer: symbolizer)
        }
        #expect(error?.description.contains(buildID) == true)
        #expect(error?.description.contains("0123abcd") == true)
    }
}
