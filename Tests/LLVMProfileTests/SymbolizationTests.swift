import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

/// Address-only profiles symbolized against the exact binary, as the agent and perf import need.
@Suite struct SymbolizationTests {
    func build(_ directory: String) throws -> String {
        try SwiftcAppliesSamplesTests.source.write(toFile: directory + "/w.swift", atomically: true, encoding: .utf8)
        let compile = try runProgram(try swiftc(), ["-O", "-g", "-module-name", "W", "-parse-as-library", directory + "/w.swift", "-o", directory + "/w"])
        #expect(compile.status == 0, "\(compile.combined)")
        return directory + "/w"
    }

    /// The address of a symbol in the binary, from llvm-nm.
    func address(of symbol: String, in binary: String) throws -> UInt64 {
        let nm = try #require(testToolchain.tool("llvm-nm"))
        let text = try runProgram(nm, [binary]).output
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
        guard testToolchain.tool("llvm-symbolizer") != nil else {
            Issue.record("llvm-symbolizer not found next to swiftc")
            return
        }
        let directory = try temporaryDirectory("pgo-symbolize")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = try build(directory)
        let buildID = try #require(try ELFBuildID.read(binary))
        #expect(buildID.count == 40)
        let classify = try address(of: "$s1W8classifyyS2iF", in: binary)
        let base: UInt64 = 0x5555_5555_4000

        let symbolized = try SampleProfileWorkflow.symbolize(
            addressOnlyProfile(buildID: buildID, classify: classify, base: base), binary: binary, toolchain: testToolchain)
        let line = try #require(symbolized.profile.locations.first?.lines.last)
        let function = try #require(symbolized.profile.functions.first { $0.id == line.functionID })
        #expect(symbolized.profile.string(function.systemName) == "$s1W8classifyyS2iF")
        #expect(function.startLine == 2)
        var report = ConversionReport()
        let text = try SampleProfile(converting: symbolized.profile, discriminators: symbolized.discriminators, report: &report).checkedText(testToolchain)
        #expect(text.hasPrefix("$s1W8classifyyS2iF:10:0\n"))

        let error = #expect(throws: SymbolizationError.self) {
            try SampleProfileWorkflow.symbolize(
                addressOnlyProfile(buildID: "0123abcd", classify: classify, base: base), binary: binary, toolchain: testToolchain)
        }
        #expect(error?.description.contains(buildID) == true)
        #expect(error?.description.contains("0123abcd") == true)
    }

    /// With `-debug-info-for-profiling`, blocks that share a line get discriminators; the
    /// profile must carry their base values, as the compiler matches them.
    @Test func discriminatorsAreDecodedToTheirBaseValues() throws {
        guard let symbolizer = testToolchain.tool("llvm-symbolizer") else {
            Issue.record("llvm-symbolizer not found next to swiftc")
            return
        }
        let directory = try temporaryDirectory("pgo-discriminator")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            @inline(never)
            func mix(_ n: Int) -> Int {
                var a = 0, b = 0
                for i in 0..<n { if i % 3 == 0 { a &+= i } else if i % 5 == 0 { b &+= 2 } else { a ^= b } }
                return a &+ b
            }
            print(mix(CommandLine.arguments.count * 1000))

            """.write(toFile: directory + "/d.swift", atomically: true, encoding: .utf8)
        let compile = try runProgram(try swiftc(), ["-O", "-g", "-debug-info-for-profiling", "-module-name", "D", directory + "/d.swift", "-o", directory + "/d"])
        try #require(compile.status == 0, "\(compile.combined)")
        let binary = directory + "/d"
        let mix = try address(of: "$s1D3mixyS2iF", in: binary)

        // One sample at every byte of the function's first 128 bytes, as a sampler would hit them.
        var p = Profile()
        p.stringTable = ["", "samples", "count", binary, try #require(try ELFBuildID.read(binary))]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.mappings = [Mapping(id: 1, memoryStart: 0, memoryLimit: 0x100000, filename: 3, buildID: 4)]
        let segments = try ELFFile(path: binary)
        let offsets = try (0..<128).map { try fileOffset(ofVirtualAddress: mix + UInt64($0), in: segments) }
        p.locations = offsets.enumerated().map { Location(id: UInt64($0 + 1), mappingID: 1, address: $1) }
        p.samples = p.locations.map { Sample(locationIDs: [$0.id], values: [1]) }
        let symbolized = try SampleProfileWorkflow.symbolize(p, binary: binary, toolchain: testToolchain)

        // The decoding agrees with the raw values llvm-symbolizer reports: 2, 4, 6... for bases 1, 2, 3...
        let raw = try SampleProfileWorkflow.frames(of: (0..<128).map { mix + UInt64($0) }, in: binary, symbolizer: symbolizer, subprocess: Subprocess())
        var bases = Set<Int>()
        for (index, frames) in raw.enumerated() {
            let expected = frames.map { $0.discriminator % 2 == 0 ? Int($0.discriminator / 2) : 0 }
            #expect(symbolized.discriminators[UInt64(index + 1)] ?? Array(repeating: 0, count: frames.count) == expected)
            bases.formUnion(expected)
        }
        #expect(bases.count >= 3, "the loop line should have several discriminated blocks: \(bases)")

        var report = ConversionReport()
        let sampleProfile = SampleProfile(converting: symbolized.profile, discriminators: symbolized.discriminators, report: &report)
        let function = try #require(sampleProfile.functions["$s1D3mixyS2iF"])
        let loopLine = Set(function.bodySamples.keys.filter { $0.offset == 2 }.map(\.discriminator))
        #expect(loopLine.count >= 3)
        #expect(loopLine.allSatisfy { $0 < 32 })
        let text = try sampleProfile.checkedText(testToolchain)
        #expect(text.contains(" 2.1: ") || text.contains(" 2.2: "))
    }

    /// lld puts code in a second segment whose address and offset differ; its debug-only file
    /// keeps the addresses but not the offsets (nor the bytes). Both place an address the same.
    @Test func processAddressesBecomeVirtualAddressesInBinariesAndDebugOnlyFiles() {
        let binary = ELFFile(path: "app", buildID: "ab", segments: [
            .init(offset: 0, virtualAddress: 0, fileSize: 0x5f0, memorySize: 0x5f0, isExecutable: false),
            .init(offset: 0x600, virtualAddress: 0x1600, fileSize: 0x4000, memorySize: 0x4000, isExecutable: true),
            .init(offset: 0x4600, virtualAddress: 0x6600, fileSize: 0x200, memorySize: 0x800, isExecutable: false),
        ], symbols: [])
        let debugOnly = ELFFile(path: "app.debug", buildID: "ab", segments: [
            .init(offset: 0, virtualAddress: 0, fileSize: 0x2a8, memorySize: 0x5f0, isExecutable: false),
            .init(offset: 0x2a8, virtualAddress: 0x1600, fileSize: 0, memorySize: 0x4000, isExecutable: true),
            .init(offset: 0x2a8, virtualAddress: 0x6600, fileSize: 0, memorySize: 0x800, isExecutable: false),
        ], symbols: [])
        // The kernel maps the code segment's pages: from offset 0 (the page of 0x600) at bias + 0x1000.
        let bias: UInt64 = 0x7f00_0000_0000
        let memoryStart = bias + 0x1000, fileOffset: UInt64 = 0
        let addresses = [bias + 0x1600, bias + 0x2abc, bias + 0x55ff]
        let expected: [UInt64] = [0x1600, 0x2abc, 0x55ff]
        #expect(addresses.map { binary.virtualAddress(of: $0, memoryStart: memoryStart, fileOffset: fileOffset) } == expected)
        #expect(addresses.map { debugOnly.virtualAddress(of: $0, memoryStart: memoryStart, fileOffset: fileOffset) } == expected)
    }

    @Test func discriminatorComponentsDecode() {
        #expect(Discriminator.base(ofEncoded: 0) == 0)
        #expect(Discriminator.base(ofEncoded: 2) == 1)
        #expect(Discriminator.base(ofEncoded: 10) == 5)
        #expect(Discriminator.base(ofEncoded: 3) == 0)  // low bit set: no base component
        // Base 40 takes the long form: bit 5 set, the rest shifted up by one.
        #expect(Discriminator.base(ofEncoded: 208) == 40)
        // A duplication factor packed above the base does not change it.
        #expect(Discriminator.base(ofEncoded: 2 | (4 << 6)) == 1)
    }

    /// The file offset of a virtual address, through the PT_LOAD segment that holds it.
    func fileOffset(ofVirtualAddress address: UInt64, in file: ELFFile) throws -> UInt64 {
        let segment = try #require(file.segments.first { address >= $0.virtualAddress && address < $0.virtualAddress + $0.memorySize })
        return address - segment.virtualAddress + segment.offset
    }
}
