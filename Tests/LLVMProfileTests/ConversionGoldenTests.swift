import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

/// The converter's output on checked-in profiles, as golden text under Fixtures/golden (like the
/// engine's renderings). PGO_UPDATE_GOLDEN=1 rewrites them after an intended change: review the diff.
@Suite struct ConversionGoldenTests {
    static let fixtures = Fixtures.root + "/"

    func check(_ inputs: [String], golden name: String) throws {
        let merged = try mergeProfiles(inputs.map { .file(Self.fixtures + $0) }, workers: 2).profile
        var report = ConversionReport()
        let profile = SampleProfile(converting: merged, report: &report)
        let rendering = """
            # \(inputs.joined(separator: " ")): \(profile.functions.count) functions; left out \(report.framesWithoutStartLine) \
            frames without a start line and \(report.samplesWithoutLines) samples without lines; \
            \(report.framesFoldedIntoCallSites) folded into call sites

            """ + (try profile.validatedText())
        let path = Self.fixtures + "golden/\(name).txt"
        if ProcessInfo.processInfo.environment["PGO_UPDATE_GOLDEN"] == "1" {
            try rendering.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rendering == expected, "conversion differs from \(path); PGO_UPDATE_GOLDEN=1 rewrites it")
    }

    @Test func syntheticProfile() throws {
        try check(["synthetic/valid.pb"], golden: "llvm-sample-valid")
    }

    @Test func realGoProfiles() throws {
        try check(["profiles/small-1.pb.gz", "profiles/small-2.pb.gz", "profiles/small-3.pb.gz", "profiles/small-4.pb.gz"],
                  golden: "llvm-sample-small")
    }
}
