import Testing
@testable import Pprof

@Suite struct GzipTests {
    let text = Array("profile-guided optimization ".utf8) + Array(repeating: 7, count: 100_000)

    @Test func roundTripAndDeterministic() throws {
        let compressed = Gzip.compress(text)
        #expect(compressed.starts(with: [0x1f, 0x8b]))
        #expect(Gzip.compress(text) == compressed)
        let back = try compressed.withUnsafeBytes { try Gzip.decompress($0, limit: 1 << 20) }
        #expect(back == text)
    }

    @Test func outputBeyondTheLimitIsAnError() {
        let compressed = Gzip.compress(text)
        let error = #expect(throws: GzipError.self) {
            try compressed.withUnsafeBytes { _ = try Gzip.decompress($0, limit: 50_000) }
        }
        #expect(error?.problem.contains("exceeds the limit of 50000 bytes") == true)
    }

    @Test func concatenatedMembersAreAllRead() throws {
        let two = Gzip.compress([1, 2, 3]) + Gzip.compress([4, 5])
        #expect(try two.withUnsafeBytes { try Gzip.decompress($0, limit: 100) } == [1, 2, 3, 4, 5])
    }

    @Test func truncatedAndTrailingGarbageAreErrors() {
        let compressed = Gzip.compress(text)
        let truncated = Array(compressed.prefix(compressed.count / 2))
        #expect(throws: GzipError(problem: "gzip stream is truncated")) {
            try truncated.withUnsafeBytes { _ = try Gzip.decompress($0, limit: 1 << 20) }
        }
        let trailing = compressed + [0x42, 0x42]
        #expect(throws: GzipError(problem: "2 bytes of trailing garbage after the gzip stream")) {
            try trailing.withUnsafeBytes { _ = try Gzip.decompress($0, limit: 1 << 20) }
        }
    }
}
