import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

/// swiftc silently ignores a profile it cannot use, so the proof that a converted profile works
/// is swiftc's own remark: `AppliedSamples`, from `-save-optimization-record`.
@Suite struct SwiftcAppliesSamplesTests {
    static let source = """
        @inline(never)
        func classify(_ x: Int) -> Int {
            if x % 3 == 0 {
                return x / 3
            } else if x % 5 == 0 {
                return x * 2
            }
            return x + 1
        }

        @main
        struct Main {
            static func main() {
                var total = 0
                for i in 0..<1_000 { total &+= classify(i) }
                print(total)
            }
        }

        """

    /// A CPU profile of that program as a profiler with line information would record it.
    func profile() -> Profile {
        var p = Profile()
        p.stringTable = ["", "samples", "count", "W.classify(Swift.Int) -> Swift.Int", "$s1W8classifyyS2iF",
                         "static W.Main.main() -> ()", "$s1W4MainV4mainyyFZ", "w.swift"]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.functions = [
            Function(id: 1, name: 3, systemName: 4, filename: 7, startLine: 2),
            Function(id: 2, name: 5, systemName: 6, filename: 7, startLine: 13),
        ]
        p.locations = [
            Location(id: 1, address: 0x10, lines: [Line(functionID: 1, line: 3)]),
            Location(id: 2, address: 0x20, lines: [Line(functionID: 1, line: 4)]),
            Location(id: 3, address: 0x30, lines: [Line(functionID: 1, line: 6)]),
            Location(id: 4, address: 0x40, lines: [Line(functionID: 2, line: 15)]),
        ]
        p.samples = [
            Sample(locationIDs: [1, 4], values: [400]),
            Sample(locationIDs: [2, 4], values: [300]),
            Sample(locationIDs: [3, 4], values: [200]),
        ]
        return p
    }

    func appliedSamples(profile: String?, in directory: String) throws -> [String] {
        guard let swiftc = testToolchain.swiftc else { throw SampleProfileValidationError(description: "swiftc not found") }
        let record = directory + "/w.opt.yaml"
        try? FileManager.default.removeItem(atPath: record)
        let compile = try runProgram(swiftc, ["-O", "-g", "-module-name", "W", "-parse-as-library", directory + "/w.swift", "-c", "-o", directory + "/w.o",
                                           "-save-optimization-record=yaml", "-save-optimization-record-passes", "sample-profile.*",
                                           "-save-optimization-record-path", record] + (profile.map { ["-profile-sample-use=\($0)"] } ?? []))
        #expect(compile.status == 0, "\(compile.combined)")
        let yaml = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        // Each remark: "Name: AppliedSamples", then its DebugLoc (which YAML may wrap) up to "Args:".
        let lines = yaml.split(separator: "\n")
        return lines.indices.filter { lines[$0].contains("Name:") && lines[$0].contains("AppliedSamples") }.map { i in
            lines[(i + 1)...].prefix { !$0.contains("Args:") }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
    }

    @Test func swiftcAppliesTheConvertedProfile() throws {
        let directory = try temporaryDirectory("pgo-swiftc")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.source.write(toFile: directory + "/w.swift", atomically: true, encoding: .utf8)
        var report = ConversionReport()
        let text = try SampleProfile(converting: profile(), report: &report).checkedText(testToolchain)
        try text.write(toFile: directory + "/w.prof", atomically: true, encoding: .utf8)

        #expect(try appliedSamples(profile: nil, in: directory).isEmpty)
        let applied = try appliedSamples(profile: directory + "/w.prof", in: directory)
        #expect(applied.contains { $0.contains("Line: 3,") }, "\(applied)")
        #expect(applied.contains { $0.contains("Line: 4,") }, "\(applied)")
        #expect(applied.contains { $0.contains("Line: 6,") }, "\(applied)")
    }
}
