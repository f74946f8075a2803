import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

/// Checks our output with the real Go toolchain: `go tool pprof` must read it, and Go's PGO
/// must see exactly what it sees in `go tool pprof`'s own merge.
@Suite(.enabled(if: Peer.go.shouldRun, Peer.go.skipComment), .serialized)
struct GoInteropTests {
    /// Inputs pprof merges correctly: an empty profile must not come first, or pprof
    /// re-symbolizes and loses start lines (see `emptyProfileFirstLosesNothing`).
    static let inputs = ["small-1", "small-2", "small-3", "small-4", "large", "rate-500hz", "other-binary", "empty"]
        .map { Fixtures.path("profiles/\($0).pb.gz") }

    @Test func pprofReadsWhatWeWrite() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for fixture in Fixtures.realProfiles + ["synthetic/valid.pb"] {
            let original = try Fixtures.load(fixture)
            let ours = directory + "/reencoded.pb.gz"
            try AtomicFile.write(original.serialized(), to: ours)
            // pprof's raw dump of our re-encoding equals its dump of the original file.
            let expected = try GoToolchain.run(["tool", "pprof", "-raw", "-symbolize=none", Fixtures.path(fixture)])
            let actual = try GoToolchain.run(["tool", "pprof", "-raw", "-symbolize=none", ours])
            #expect(actual == expected, "\(fixture)")
        }
        let merged = try mergeProfiles(Self.inputs.map { .file($0) }, workers: 2).profile
        let path = directory + "/merged.pb.gz"
        try AtomicFile.write(merged.serialized(), to: path)
        let raw = String(decoding: try GoToolchain.run(["tool", "pprof", "-raw", "-symbolize=none", path]), as: UTF8.self)
        #expect(raw.contains("PeriodType: cpu nanoseconds"))
        #expect(raw.contains("main.hashBlock"))
    }

    @Test func goPreprofileIsIdenticalToPprofMerge() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let reference = directory + "/pprof.pb.gz"
        try GoToolchain.run(["tool", "pprof", "-proto", "-symbolize=none"] + Self.inputs)
            .write(to: URL(fileURLWithPath: reference))
        let full = try mergeProfiles(Self.inputs.map { .file($0) }, workers: 2).profile
        let trimmed = try full.trimmedForGoPGO()
        try AtomicFile.write(trimmed.serialized(), to: directory + "/trimmed.pgo")
        try AtomicFile.write(full.serialized(), to: directory + "/full.pb.gz")

        func preprofile(_ input: String) throws -> Data {
            let output = input + ".pre"
            _ = try GoToolchain.run(["tool", "preprofile", "-i", input, "-o", output])
            return try Data(contentsOf: URL(fileURLWithPath: output))
        }
        let expected = try preprofile(reference)
        #expect(expected.count > 1_000)  // a real call graph, not just the header
        #expect(try preprofile(directory + "/trimmed.pgo") == expected)
        #expect(try preprofile(directory + "/full.pb.gz") == expected)
        #expect(trimmed.serialized().count < full.serialized().count / 2)
    }
}
