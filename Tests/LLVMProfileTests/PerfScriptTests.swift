import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

let perfFixtures = Fixtures.path("perf")

/// The perf script parser on real perf 6.1 output (Fixtures/perf, with goldens written by an
/// independent Python reading) and on malformed text.
@Suite struct PerfScriptParserTests {
    /// The same rendering as Fixtures/perf/expected.py.
    func render(_ samples: [PerfSample]) -> String {
        func show(_ f: PerfFrame) -> String {
            "  \(String(f.address, radix: 16))|\(f.symbol ?? "-")|\(f.symbolOffset.map { String($0, radix: 16) } ?? "-")|\(f.dso ?? "-")"
        }
        return samples.map { s in
            (["sample \(s.line): \(s.command) \(s.threadID) \(s.timeNanos) \(s.period.map(String.init) ?? "-") \(s.event)"]
                + s.frames.map(show)).joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    @Test(arguments: ["callgraph", "leaf-only"])
    func fixtureMatchesGolden(name: String) throws {
        let text = try String(contentsOfFile: "\(perfFixtures)/\(name).txt", encoding: .utf8)
        let expected = try String(contentsOfFile: "\(perfFixtures)/\(name).expected", encoding: .utf8)
        let samples = try PerfScript.parse(text)
        #expect(!samples.isEmpty)
        #expect(render(samples) == expected)
    }

    @Test func callGraphFixtureHasEveryKindOfFrame() throws {
        let samples = try PerfScript.parse(try String(contentsOfFile: "\(perfFixtures)/callgraph.txt", encoding: .utf8))
        let frames = samples.flatMap(\.frames)
        #expect(samples.allSatisfy { $0.event == "cpu-clock" && $0.period == 250_000 && $0.command == "w" })
        #expect(frames.contains { $0.isKernel && $0.symbol != nil })
        #expect(frames.contains { $0.dso == nil && $0.symbol == nil })  // [unknown] ([unknown])
        #expect(frames.contains { $0.dso?.hasSuffix("libswiftCore.so") == true })
        #expect(frames.contains { $0.dso == "/app/w" && $0.symbol == "$s1W8classifyyS2iF" })
        #expect(samples.contains { $0.frames.count > 3 })
    }

    @Test func headerVariants() throws {
        let text = """
            Thread Pool 12/34 [003] 100.123456789: 10101010 cpu-clock:u: 55d0c0de1000 main+0x10 (/app/my server (deleted))
            w 7 1.5: task-clock:
            \t1000 [unknown] (/app/w)
            \tffffffff81000130 entry_SYSCALL_64+0x76 ([kernel.kallsyms])
            \t2000 std::vector<int>::push_back(int const&)+0x2 (/usr/lib/libfoo.so)
            """
        let samples = try PerfScript.parse(text)
        #expect(samples.count == 2)
        let first = try #require(samples.first)
        #expect(first.command == "Thread Pool" && first.processID == 12 && first.threadID == 34 && first.cpu == 3)
        #expect(first.timeNanos == 100_123_456_789 && first.period == 10_101_010 && first.event == "cpu-clock:u")
        #expect(first.frames == [PerfFrame(address: 0x55d0c0de1000, symbol: "main", symbolOffset: 0x10, dso: "/app/my server", line: 1)])
        let second = samples[1]
        #expect(second.period == nil && second.addressSpace == 7 && second.timeNanos == 1_500_000_000)
        #expect(second.frames.map(\.symbol) == [nil, "entry_SYSCALL_64", "std::vector<int>::push_back(int const&)"])
        #expect(second.frames.map(\.line) == [3, 4, 5])
        #expect(second.frames[1].isKernel && !second.frames[0].isKernel)
    }

    @Test(arguments: [
        ("\t1234 foo+0x1 (/a)\n", 1, "before any sample header"),
        ("w 1 1.000001: 250000 cpu-clock:\n\tzz12 foo+0x1 (/a)\n", 2, "hexadecimal address"),
        ("hello world\n", 1, "not a perf script sample header"),
        ("w 1 1.5: 250000\n", 1, "without an event name"),
        ("w 1 1.5: 1 cpu-clock:\n\t1 a+0x1 (/a)\n\n\t2 b+0x1 (/a)\n", 4, "after the blank line"),
        ("w 1 1.5: 1 cpu-clock:\n\t1 a+0x1 /a)\n", 2, "unbalanced"),
        ("w 1 1.5: 1 cpu-clock: 1ffffffffffffffff foo (/a)\n", 1, "hexadecimal address"),
        ("w 1 99999999999999.5: 1 cpu-clock:\n", 1, "out of range"),
        ("w 1 1.5: 99999999999999999999999 cpu-clock:\n", 1, "period"),
    ] as [(String, Int, String)])
    func malformedTextNamesItsLine(text: String, line: Int, problem: String) {
        let error = #expect(throws: PerfScriptError.self) { try PerfScript.parse(text) }
        #expect(error?.line == line, "\(error?.description ?? "")")
        #expect(error?.description.contains(problem) == true, "\(error?.description ?? "")")
    }

    @Test func garbageIsAnErrorNotACrash() {
        var state: UInt64 = 0x2545_f491_4f6c_dd1d
        for round in 0..<50 {
            var bytes: [UInt8] = []
            for _ in 0..<(200 + round * 37) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            #expect(throws: PerfScriptError.self) { try PerfScript.parse(String(decoding: bytes, as: UTF8.self)) }
        }
    }
}

/// Placing perf frames in a binary, on a described ELF file: the addresses perf prints in both
/// modes, [unknown] symbols, caller frames, and binaries that are not the one perf sampled.
@Suite struct PerfScriptImportTests {
    /// lld's layout: the executable segment's virtual addresses are 0x1000 above its file offsets.
    let binary = ELFFile(
        path: "/build/w", buildID: "abcdef0123",
        segments: [
            ELFFile.Segment(offset: 0, virtualAddress: 0, fileSize: 0xe10, memorySize: 0xe10, isExecutable: false),
            ELFFile.Segment(offset: 0xe10, virtualAddress: 0x1e10, fileSize: 0x880, memorySize: 0x880, isExecutable: true),
        ],
        symbols: [
            ELFFile.Symbol(name: "hot", value: 0x2120, size: 0x90),
            ELFFile.Symbol(name: "main", value: 0x2370, size: 0x200),
            ELFFile.Symbol(name: "helper", value: 0x2200, size: 0x20),
            ELFFile.Symbol(name: "helper", value: 0x2240, size: 0x20),
        ])

    func imported(_ text: String, dso: String? = nil) throws -> (Profile, PerfImportReport) {
        var report = PerfImportReport()
        let profile = try PerfScriptImport.profile(from: try PerfScript.parse(text), binary: binary, binaryDSO: dso, report: &report)
        return (profile, report)
    }

    /// The stacks as `mapping filename@address` strings, leaf first.
    func stacks(_ profile: Profile) -> [[String]] {
        let locations = Dictionary(uniqueKeysWithValues: profile.locations.map { ($0.id, $0) })
        let mappings = Dictionary(uniqueKeysWithValues: profile.mappings.map { ($0.id, $0) })
        return profile.samples.map { sample in
            sample.locationIDs.map { id in
                let location = locations[id]!
                return profile.string(mappings[location.mappingID]!.filename) + "@" + String(location.address, radix: 16)
            }
        }
    }

    @Test func callGraphFileOffsetsBecomeVirtualAddresses() throws {
        // perf 6.1 prints file offsets in call graphs: hot+0xa is at file offset 0x112a.
        let (profile, report) = try imported("""
            w 5 1.000000: 250000 cpu-clock:
            \t112a hot+0xa (/app/w)
            \t1400 main+0x90 (/app/w)
            \t77000 __libc_start_call_main+0x80 (/usr/lib/libc.so.6)

            w 5 1.000250: 250000 cpu-clock:
            \tffffffff81000130 irq+0x76 ([kernel.kallsyms])
            \t1130 [unknown] (/app/w)
            \t1408 [unknown] (/app/w)
            \t0 [unknown] ([unknown])

            """)
        #expect(stacks(profile) == [
            ["/app/w@212a", "/app/w@23ff", "/usr/lib/libc.so.6@77000"],
            ["[kernel.kallsyms]@ffffffff81000130", "/app/w@2130", "/app/w@2407"],
        ])
        let main = profile.mappings[0]
        #expect((main.memoryStart, main.memoryLimit, main.fileOffset) == (0x1e10, 0x1e10 + 0x880, 0xe10))
        #expect(profile.string(main.buildID) == "abcdef0123" && profile.string(main.filename) == "/app/w")
        #expect(profile.sampleTypes.map { profile.string($0.type) + "/" + profile.string($0.unit) } == ["samples/count", "cpu/nanoseconds"])
        #expect(profile.samples.map(\.values) == [[1, 250_000], [1, 250_000]])
        #expect(profile.period == 250_000 && profile.durationNanos == 250_000)
        #expect(report.framesInBinary == 4 && report.framesWithoutDSO == 1 && report.samplesWithoutBinaryFrame == 0)
        // The symbol perf named stays as the function of the location until symbolization.
        let hot = try #require(profile.locations.first { $0.address == 0x212a })
        #expect(profile.string(profile.functions[Int(hot.lines[0].functionID) - 1].systemName) == "hot")
        // address - memory_start + file_offset is the file offset, as pprof tools expect.
        #expect(hot.address - main.memoryStart + main.fileOffset == 0x112a)
        #expect(binary.virtualAddress(ofFileOffset: 0x112a) == 0x212a)
    }

    @Test func runtimeAddressesUseEachProcessLoadAddress() throws {
        // Without -g perf prints runtime addresses; two processes loaded at different bases.
        let (profile, report) = try imported("""
            w 5 1.0: 250000 cpu-clock:      55550000212a hot+0xa (/app/w)
            w 5 1.1: 250000 cpu-clock:      555500002130 [unknown] (/app/w)
            w 9 1.2: 250000 cpu-clock:      7f0000002250 helper+0x10 (/app/w)
            w 9 1.3: 250000 cpu-clock:      7f0000002380 main+0x10 (/app/w)
            w 11 1.4: 250000 cpu-clock:     600000002130 [unknown] (/app/w)
            w 11 1.5: 250000 cpu-clock:     7f00000010 memcpy+0x10 (/usr/lib/libc.so.6)
            """)
        // helper is defined twice; process 9's load address (from main) picks the second.
        #expect(stacks(profile) == [["/app/w@212a"], ["/app/w@2130"], ["/app/w@2250"], ["/app/w@2380"], [], ["/usr/lib/libc.so.6@7f00000010"]])
        #expect(report.binaryFramesDropped == 1 && report.samplesWithoutBinaryFrame == 2)
    }

    @Test func aDifferentBuildIsRejected() throws {
        // hot+0xa and main+0x90 are 0x2d6 apart in the binary but 0x346 apart in the perf data.
        let error = #expect(throws: PerfImportError.self) {
            try imported("""
                w 5 1.0: 250000 cpu-clock:
                \t112a hot+0xa (/app/w)
                \t1470 main+0x90 (/app/w)

                w 5 1.1: 250000 cpu-clock:
                \t1470 main+0x100 (/app/w)

                """)
        }
        let text = error?.description ?? ""
        #expect(text.contains("/build/w (build ID abcdef0123) is not the binary perf sampled as /app/w"), "\(text)")
        #expect(text.contains("line 2") && text.contains("line 3"), "\(text)")

        let beyond = #expect(throws: PerfImportError.self) { try imported("w 5 1.0: 1 cpu-clock: 112a hot+0x500 (/app/w)\n") }
        #expect(beyond?.description.contains("beyond") == true)
        let unknown = #expect(throws: PerfImportError.self) { try imported("w 5 1.0: 1 cpu-clock: 112a other+0x5 (/app/w)\n") }
        #expect(unknown?.description.contains("none of the symbols") == true, "\(unknown?.description ?? "")")
    }

    @Test func noSampleInTheBinaryNamesBinaryBuildIDAndDSOs() throws {
        let error = #expect(throws: PerfImportError.self) {
            try imported("w 5 1.0: 1 cpu-clock: 7f00000010 memcpy+0x10 (/usr/lib/libc.so.6)\nw 5 1.1: 1 cpu-clock: 10 f+0x1 (/app/server)\n")
        }
        let text = error?.description ?? ""
        #expect(text.contains("/build/w") && text.contains("abcdef0123") && text.contains("/usr/lib/libc.so.6 (1)") && text.contains("--dso"), "\(text)")
        // Named explicitly, a DSO with another file name is the binary.
        let (profile, _) = try imported("w 5 1.0: 1 cpu-clock: 55550000212a hot+0xa (/app/server)\n", dso: "/app/server")
        #expect(stacks(profile) == [["/app/server@212a"]])
    }

    @Test func eventsAndPeriods() throws {
        let mixed = #expect(throws: PerfImportError.self) {
            try imported("w 5 1.0: 1 cpu-clock: 55550000212a hot+0xa (/app/w)\nw 5 1.1: 1 page-faults: 55550000212a hot+0xa (/app/w)\n")
        }
        #expect(mixed?.description.contains("cpu-clock (1), page-faults (1)") == true)
        let (profile, _) = try imported("w 5 1.0: cpu-clock: 55550000212a hot+0xa (/app/w)\n")
        #expect(profile.sampleTypes.count == 1 && profile.samples.map(\.values) == [[1]] && profile.periodType == nil)
        #expect(throws: PerfImportError.self) { try imported("") }
    }

    @Test func elfReaderRejectsTruncatedAndForeignFiles() throws {
        let directory = try temporaryDirectory("pgo-elf")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("#!/bin/sh\necho not an ELF file, just long enough to have a header of sixty-four bytes\n".utf8).write(to: URL(fileURLWithPath: directory + "/script"))
        #expect(throws: ELFError.self) { try ELFFile(path: directory + "/script") }
        // A real ELF header whose tables point past the end of the file.
        var header = [UInt8](repeating: 0, count: 64)
        header[0..<6] = [0x7f, 0x45, 0x4c, 0x46, 2, 1]
        header[0x20] = 0x40; header[0x36] = 56; header[0x38] = 3
        try Data(header).write(to: URL(fileURLWithPath: directory + "/truncated"))
        let error = #expect(throws: ELFError.self) { try ELFFile(path: directory + "/truncated") }
        #expect(error?.description.contains("truncated") == true)
        #expect(throws: ELFError.self) { try ELFFile(path: directory + "/missing") }
    }
}
