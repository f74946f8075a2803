import Foundation
import Testing
@testable import ProfileStore

@Suite struct KeyLayoutTests {
    let time = Date(unixMilliseconds: 1_732_000_000_123)
    let hash = "0123456789abcdef0123456789abcdef"

    @Test func standardKeysSortByTimeAndCarryAHash() throws {
        let scheme = KeyScheme(layout: .standard, isObjectStore: true, prefix: "prod/eu")
        let key = try scheme.key(service: "api", createdAt: time, contentHash: hash)
        #expect(key == "prod/eu/api/1732000000123-0123456789abcdef.pb.gz")
        #expect(scheme.parse(key: key, service: "api") == .profile(milliseconds: 1_732_000_000_123))
        // Zero-padding keeps lexicographic order equal to time order.
        let early = try scheme.key(service: "api", createdAt: Date(unixMilliseconds: 999), contentHash: hash)
        #expect(early == "prod/eu/api/0000000000999-0123456789abcdef.pb.gz")
        #expect(early < key)
        #expect(scheme.startAfter(service: "api", from: time) == "prod/eu/api/1732000000123")
        #expect(scheme.startAfter(service: "api", from: time)! < key)
    }

    @Test func instrumentationProfilesKeepTheirKindInTheKey() throws {
        let scheme = KeyScheme(layout: .standard, isObjectStore: false, prefix: "")
        for kind in ProfileKind.allCases {
            let key = try scheme.key(service: "api", createdAt: time, contentHash: hash, kind: kind)
            #expect(key == "api/1732000000123-0123456789abcdef" + kind.fileExtension)
            #expect(scheme.parse(key: key, service: "api") == .profile(milliseconds: 1_732_000_000_123))
            #expect(StoredProfile(key: key, service: "api", createdAt: time, size: 1).kind == kind)
        }
        #expect(throws: StoreError.self) {
            try KeyScheme(layout: .pgolib, isObjectStore: false, prefix: "").key(service: "api", createdAt: time, contentHash: hash, kind: .llvmRaw)
        }
    }

    @Test func kindsAreDetectedByMagicNumber() {
        let raw: [UInt8] = [0x81, 0x72, 0x66, 0x6f, 0x72, 0x70, 0x6c, 0xff, 10, 0, 0, 0, 0, 0, 0, 0]
        let indexed: [UInt8] = [0xff, 0x6c, 0x70, 0x72, 0x6f, 0x66, 0x69, 0x81, 12, 0, 0, 0, 0, 0, 0, 0]
        #expect(ProfileKind(detecting: raw) == .llvmRaw)
        #expect(ProfileKind(detecting: indexed) == .llvmIndexed)
        #expect(ProfileKind(detecting: [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0]) == .pprof)
        #expect(ProfileKind(detecting: Array(raw.prefix(7))) == .pprof)
    }

    @Test func pgolibKeysMatchWhatPgolibWrites() throws {
        // pgolib's S3 client: keyPrefix + MakeFilename(keyPrefix, t), keyPrefix ending in "/".
        let s3 = KeyScheme(layout: .pgolib, isObjectStore: true, prefix: "profile")
        let key = try s3.key(service: "ignored", createdAt: time, contentHash: hash)
        #expect(key == "profile/profile/-1732000000123.pprof")
        #expect(s3.parse(key: key, service: "anything") == .profile(milliseconds: 1_732_000_000_123))
        // Its local directory: DIR/APP-MILLIS.pprof.
        let local = KeyScheme(layout: .pgolib, isObjectStore: false, prefix: "")
        #expect(try local.key(service: "api", createdAt: time, contentHash: hash) == "api-1732000000123.pprof")
        #expect(local.parse(key: "api-v2-1732000000123.pprof", service: "api") != .profile(milliseconds: 1_732_000_000_123))
    }

    @Test func foreignKeysAreReportedWithAReason() {
        let scheme = KeyScheme(layout: .standard, isObjectStore: true, prefix: "")
        guard case .notAProfile(let reason) = scheme.parse(key: "api/notes.txt", service: "api") else {
            Issue.record("a stray object parsed as a profile")
            return
        }
        #expect(reason.contains("--layout pgolib"))
        #expect(scheme.parse(key: "api/123-0123456789abcdef.pb.gz", service: "api") != .profile(milliseconds: 123))
    }

    @Test(arguments: ["", ".", "..", "a/b", "tab\there"])
    func badServiceNamesAreRefused(_ name: String) {
        #expect(throws: StoreError.self) { try KeyScheme.validate(service: name) }
    }

    @Test func timeAndDurationParsing() {
        #expect(parseTimestamp("1732000000123") == Date(unixMilliseconds: 1_732_000_000_123))
        #expect(parseTimestamp("2024-11-19T07:06:40Z") == Date(timeIntervalSince1970: 1_732_000_000))
        #expect(parseTimestamp("2024-11-19T08:06:40.5+01:00") == Date(timeIntervalSince1970: 1_732_000_000.5))
        #expect(parseTimestamp("yesterday") == nil)
        #expect(parseDuration("90m") == 5400)
        #expect(parseDuration("1h30m") == 5400)
        #expect(parseDuration("7d") == 604_800)
        #expect(parseDuration("2w") == 1_209_600)
        #expect(parseDuration("500ms") == 0.5)
        #expect(parseDuration("1m30s250ms") == 90.25)
        #expect(parseDuration("5ms5") == nil)
        for bad in ["", "10", "h", "5x", "-3d", "0s"] { #expect(parseDuration(bad) == nil, "\(bad)") }
    }
}

/// Timestamps are formatted by arithmetic; Foundation's ISO 8601 formatter is the reference.
@Suite struct TimestampFormatTests {
    @Test func formatsAsFoundationsISO8601FormatterDoes() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var state: UInt64 = 12345
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_102_444_799.999),
                     Date(unixMilliseconds: 1_732_000_000_123), Date(timeIntervalSince1970: 1_709_164_800)]  // 2000-02-29, 2024-02-29
        for _ in 0..<2000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            dates.append(Date(unixMilliseconds: Int64(state >> 1 % UInt64(7_258_118_400_000))))  // 1970..2200
            dates.append(Date(timeIntervalSince1970: Double(state >> 20 % 7_258_118_400_000) / 1000 + Double(state % 1000) / 1e6))  // sub-millisecond
        }
        for date in dates {
            #expect(formatTimestamp(date) == reference.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}
