import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

/// Text renderings checked in under Fixtures/golden, like google/pprof's testdata. Run with
/// PGO_UPDATE_GOLDEN=1 to rewrite them after an intended change, and review the diff.
@Suite struct GoldenTests {
    static let update = ProcessInfo.processInfo.environment["PGO_UPDATE_GOLDEN"] == "1"

    func check(_ rendering: String, _ name: String) throws {
        let path = Fixtures.path("golden/\(name).txt")
        if Self.update {
            try FileManager.default.createDirectory(atPath: Fixtures.path("golden"), withIntermediateDirectories: true)
            try rendering.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rendering == expected, "rendering differs from \(path); PGO_UPDATE_GOLDEN=1 rewrites it")
    }

    @Test(arguments: ["synthetic/valid.pb", "profiles/small-1.pb.gz", "profiles/empty.pb.gz"])
    func profileRendering(_ fixture: String) throws {
        let name = URL(fileURLWithPath: fixture).lastPathComponent.split(separator: ".")[0]
        try check(try Fixtures.load(fixture).textRendering(), String(name))
    }

    @Test func mergedSmallProfiles() throws {
        let report = try mergeProfiles(Fixtures.smallProfiles.map { .file(Fixtures.path($0)) }, workers: 2)
        try check(report.profile.textRendering(), "merge-small")
    }

    @Test func mergedSmallProfilesTrimmedForGo() throws {
        let report = try mergeProfiles(Fixtures.smallProfiles.map { .file(Fixtures.path($0)) }, workers: 2)
        try check(try report.profile.trimmedForGoPGO().textRendering(), "merge-small-for-go")
    }

    @Test func summary() throws {
        let text = ProfileSummary(try Fixtures.load("profiles/small-1.pb.gz"), top: 5).text()
        // The time line depends on the time zone of nobody: it is UTC. Still, keep it out of the golden.
        try check(text.split(separator: "\n").filter { !$0.hasPrefix("Time:") }.joined(separator: "\n") + "\n", "inspect-small-1")
    }
}
