import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

@Suite struct CodecTests {
    @Test(arguments: Fixtures.realProfiles + Fixtures.syntheticProfiles)
    func roundTrip(_ fixture: String) throws {
        let profile = try Fixtures.load(fixture)
        let again = try Profile(serialized: profile.serialized())
        #expect(again == profile)
        // The raw encoding too, and a second encoding is byte-identical.
        let raw = profile.protobufBytes()
        #expect(try Profile(serialized: raw) == profile)
        #expect(again.protobufBytes() == raw)
    }

    @Test func packedUnpackedGzipAndUnknownFieldsDecodeEqual() throws {
        let reference = try Fixtures.load("synthetic/valid.pb")
        for variant in ["synthetic/valid.pb.gz", "synthetic/valid-unpacked.pb", "synthetic/valid-unknown-fields.pb"] {
            #expect(try Fixtures.load(variant) == reference, "\(variant)")
        }
    }

    /// Every field of profile.proto survives decoding: checked against the values the generator wrote.
    @Test func syntheticProfileDecodesEveryField() throws {
        let p = try Fixtures.load("synthetic/valid.pb")
        #expect(p.sampleTypes.map { "\(p.string($0.type))/\(p.string($0.unit))" } == ["samples/count", "cpu/nanoseconds"])
        #expect(p.periodType.map { "\(p.string($0.type))/\(p.string($0.unit))" } == "cpu/nanoseconds")
        #expect(p.period == 10_000_000)
        #expect(p.timeNanos != 0 && p.durationNanos != 0)
        #expect(p.dropFrames != 0 && p.keepFrames != 0 && p.docURL != 0)
        #expect(p.string(p.defaultSampleType) == "cpu")
        #expect(p.comments.count == 2)
        #expect(p.mappings.count == 1)
        let m = try #require(p.mappings.first)
        #expect(m.hasFunctions && m.hasFilenames && m.hasLineNumbers && m.hasInlineFrames)
        #expect(m.fileOffset == 0x1000)
        #expect(p.functions.count == 3 && p.functions.allSatisfy { $0.startLine != 0 })
        #expect(p.locations.count == 4)
        #expect(p.locations.contains { $0.lines.count == 2 })
        #expect(p.locations.contains { $0.isFolded })
        #expect(p.locations.flatMap(\.lines).contains { $0.column != 0 })
        #expect(p.samples.count == 3)
        let labels = p.samples.flatMap(\.labels)
        #expect(labels.contains { p.string($0.key) == "thread" && p.string($0.str) == "worker-1" })
        #expect(labels.contains { p.string($0.key) == "alloc_size" && $0.num != 0 && p.string($0.numUnit) == "bytes" })
        #expect(p.samples.map { $0.values[0] }.reduce(0, +) == 8)
    }

    @Test func realProfilesCarryStartLinesAndInlineFrames() throws {
        let p = try Fixtures.load("profiles/large.pb.gz")
        #expect(p.functions.allSatisfy { $0.startLine != 0 })
        #expect(p.locations.contains { $0.lines.count > 1 })
        #expect(p.samples.contains { !$0.labels.isEmpty })
    }

    static let malformed: [(String, String)] = [
        ("truncated.pb.gz", "malformed protobuf at byte"),
        ("truncated-gzip.pb.gz", "gzip stream is truncated"),
        ("garbage.bin", "not a pprof profile (gzip or protobuf): malformed protobuf at byte"),
        ("gzip-of-garbage.gz", "its gzip content is not a profile.proto message: malformed protobuf at byte"),
        ("gzip-of-garbage.gz", "field 1 has unsupported wire type 7"),
        ("empty.pb", "empty input (0 bytes)"),
        ("gzip-bomb.gz", "exceeds the limit of 268435456 bytes"),
        ("bad-string-index.pb.gz", "the name of function id 1 is string index 25, out of range for a string table of 20 entries"),
        ("string-table-not-empty.pb.gz", "string_table[0] must be \"\", found \"x\""),
        ("zero-id.pb.gz", "location #4 has id 0"),
        ("duplicate-id.pb.gz", "function id 2 is used more than once"),
        ("dangling-reference.pb.gz", "sample #1 references location id 99, which does not exist"),
        ("value-count-mismatch.pb.gz", "sample #1 has 1 values but there are 2 sample types"),
        ("huge-length.pb", "not a pprof profile (gzip or protobuf): "),
        ("huge-length.pb", "claims 1099511627776 bytes but only 3 remain"),
    ]

    @Test(arguments: malformed)
    func malformedInputIsAnErrorNamingFileAndProblem(_ fixture: String, _ expected: String) {
        let path = Fixtures.path("malformed/" + fixture)
        let error = #expect(throws: InputError.self) { try ProfileFile.read(path) }
        #expect(error?.source == path)
        #expect(error?.problem.contains(expected) == true, "\(error?.problem ?? "no error")")
    }

    @Test func everyMalformedFixtureIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("malformed")).sorted()
        #expect(files == Array(Set(Self.malformed.map(\.0))).sorted())
    }

    /// pprof rejects a line without a function ("has a line with nil function"), and Go's PGO
    /// then rejects what `merge --for go` wrote: so do we, at decoding (issue 11).
    @Test func aLineWithoutAFunctionIsRejected() throws {
        var builder = ProfileBuilder()
        let f = builder.function("main.f")
        builder.sample([builder.location(0x1000, [(f, 3)]), builder.location(0x2000, [(0, 7)])], [1, 10_000_000])
        let error = #expect(throws: ProfileDecodingError.self) { try Profile(serialized: builder.profile.serialized()) }
        #expect(error?.description.contains("location id 2 has a line with function id 0") == true, "\(String(describing: error))")
    }

    /// Memory is bounded by what a profile costs decoded, not its bytes (issue 11: 255 KB of gzip
    /// inflating to 250 MiB of empty Location messages took 6.2 GB to reject).
    @Test(arguments: [
        ("empty locations", [UInt8]([0x22, 0x00])),  // field 4, length 0
        ("empty strings", [UInt8]([0x32, 0x00])),  // field 6, length 0
        ("packed location ids", [UInt8]([0x12, 0x05, 0x0a, 0x03, 0x01, 0x01, 0x01])),  // a sample with 3 packed ids
    ])
    func amplifyingInputsAreRefusedBeforeTheyAreDecoded(name: String, unit: [UInt8]) throws {
        var wire: [UInt8] = []
        for _ in 0..<(200_000 / unit.count) { wire += unit }
        let limits = DecodingLimits(maxDecodedCost: 1 << 20)
        let cost = try wire.withUnsafeBytes { try Profile.decodedCost(protobuf: $0) }
        #expect(cost > 4 * wire.count, "\(name): \(cost) for \(wire.count) bytes")  // what made them dangerous
        let error = #expect(throws: ProfileDecodingError.self) { try Profile(serialized: Gzip.compress(wire), limits: limits) }
        #expect(error?.description.contains("MiB of memory") == true, "\(name): \(String(describing: error))")
        // Real profiles are far inside the default limit.
        for fixture in Fixtures.realProfiles { _ = try Fixtures.load(fixture) }
    }

    @Test func oversizedRawInputIsRefusedBeforeDecoding() throws {
        let bytes = try BoundedFile.read(Fixtures.path("profiles/large.pb.gz"))
        #expect(throws: ProfileDecodingError.tooLarge(bytes: bytes.count, limit: 1000)) {
            try Profile(serialized: bytes, limits: DecodingLimits(maxDecodedBytes: 1000))
        }
    }

    @Test func missingFileAndDirectoryAreErrors() throws {
        let missing = #expect(throws: InputError.self) { try ProfileFile.read("/nonexistent/x.pb.gz") }
        #expect(missing?.problem == "cannot open: No such file or directory")
        let directory = #expect(throws: InputError.self) { try ProfileFile.read(Fixtures.path("profiles")) }
        #expect(directory?.problem == "is a directory, not a profile")
    }
}
