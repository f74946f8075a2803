import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

/// `ProfileMerger.add(serialized:)` decodes into reused flat buffers instead of a `Profile`:
/// it must merge exactly what `add(Profile(serialized:))` merges, and refuse exactly what that
/// refuses, with the same message and nothing of the refused input merged.
@Suite struct SerializedMergeTests {
    static func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Fixtures.path(directory)).sorted().map { Fixtures.path(directory + "/" + $0) }
    }

    @Test func everyValidFixtureMergesAsItsDecodedProfile() throws {
        let inputs = try Self.files("profiles") + Self.files("synthetic")
        var one = ProfileMerger(), other = ProfileMerger()
        for path in inputs {
            let bytes = try BoundedFile.read(path)
            var single = ProfileMerger(), fast = ProfileMerger()
            try single.add(Profile(serialized: bytes), source: path)
            try fast.add(serialized: bytes, source: path)
            #expect(fast.finish().serialized() == single.finish().serialized(), "\(path)")
            #expect(fast.mainBinaries == single.mainBinaries, "\(path)")
            // The Go fixtures merge with each other (the synthetic ones have other sample types).
            if path.contains("/profiles/") {
                try one.add(Profile(serialized: bytes), source: path)
                try other.add(serialized: bytes, source: path)
            }
        }
        #expect(other.finish().serialized() == one.finish().serialized())
        #expect(other.inputCount == 8)
    }

    @Test func everyMalformedFixtureIsRefusedWithTheDecodersMessage() throws {
        let good = try fixtureBytes("small-1.pb.gz")
        for path in try Self.files("malformed") {
            let bytes = try BoundedFile.read(path)
            let expected: String
            do {
                _ = try Profile(serialized: bytes)
                Issue.record("\(path) decodes")
                continue
            } catch {
                expected = error.description
            }
            var merger = ProfileMerger()
            try merger.add(serialized: good, source: "good")
            let before = merger.finish().serialized()
            do {
                try merger.add(serialized: bytes, source: path)
                Issue.record("\(path) was merged")
            } catch {
                #expect(error.description == expected, "\(path)")
                guard case .decoding = error else { Issue.record("\(path): \(error) is not a decoding error"); continue }
            }
            #expect(merger.finish().serialized() == before, "\(path): nothing of it was merged")
            #expect(merger.inputCount == 1)
        }
    }

    /// A profile of other sample types is a merge error, as for decoded profiles.
    @Test func incompatibleInputsAreMergeErrors() throws {
        var merger = ProfileMerger()
        try merger.add(serialized: try fixtureBytes("small-1.pb.gz"), source: "go")
        #expect(throws: SerializedMergeError.self) { try merger.add(serialized: syntheticProfile(1), source: "synthetic") }
        do { try merger.add(serialized: syntheticProfile(1), source: "synthetic") } catch {
            guard case .merge(let problem) = error else { Issue.record("\(error)"); return }
            #expect(problem.source == "synthetic" && problem.problem.contains("sample types"))
        }
    }
}
