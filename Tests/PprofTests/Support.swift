import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

/// The shipped fixtures this suite reads.
extension Fixtures {
    static let realProfiles = ["small-1", "small-2", "small-3", "small-4", "large", "empty", "rate-500hz", "other-binary"]
        .map { "profiles/\($0).pb.gz" }
    static let syntheticProfiles = ["valid.pb", "valid.pb.gz", "valid-unpacked.pb", "valid-unknown-fields.pb"]
        .map { "synthetic/\($0)" }
    static let smallProfiles = (1...4).map { "profiles/small-\($0).pb.gz" }

    static func load(_ relative: String) throws -> Profile { try ProfileFile.read(path(relative)) }
}

/// Builds small profiles in code, with strings given as text.
struct ProfileBuilder {
    var profile = Profile()

    init(sampleTypes: [(String, String)] = [("samples", "count"), ("cpu", "nanoseconds")], period: Int64 = 10_000_000) {
        profile.sampleTypes = sampleTypes.map { ValueType(type: s($0.0), unit: s($0.1)) }
        profile.periodType = ValueType(type: s("cpu"), unit: s("nanoseconds"))
        profile.period = period
    }

    /// Interns a string into the profile's table.
    mutating func s(_ string: String) -> Int64 {
        if let i = profile.stringTable.firstIndex(of: string) { return Int64(i) }
        profile.stringTable.append(string)
        return Int64(profile.stringTable.count - 1)
    }

    @discardableResult
    mutating func function(_ name: String, start: Int64 = 1, file: String = "main.go") -> UInt64 {
        let id = UInt64(profile.functions.count + 1)
        profile.functions.append(Function(id: id, name: s(name), systemName: s(name), filename: s(file), startLine: start))
        return id
    }

    @discardableResult
    mutating func mapping(start: UInt64, limit: UInt64, file: String = "/bin/app", buildID: String = "abc") -> UInt64 {
        let id = UInt64(profile.mappings.count + 1)
        profile.mappings.append(Mapping(
            id: id, memoryStart: start, memoryLimit: limit, filename: s(file), buildID: s(buildID), hasFunctions: true))
        return id
    }

    /// A location with lines given innermost first as (function id, line).
    @discardableResult
    mutating func location(_ address: UInt64, mapping: UInt64 = 0, _ lines: [(UInt64, Int64)]) -> UInt64 {
        let id = UInt64(profile.locations.count + 1)
        profile.locations.append(Location(
            id: id, mappingID: mapping, address: address, lines: lines.map { Line(functionID: $0.0, line: $0.1) }))
        return id
    }

    mutating func sample(_ locations: [UInt64], _ values: [Int64], labels: [(String, String)] = []) {
        let labels = labels.map { Label(key: s($0.0), str: s($0.1)) }
        profile.samples.append(Sample(locationIDs: locations, values: values, labels: labels))
    }
}

/// The real Go toolchain, for interop tests (a peer: see TestSupport's `Peer`).
enum GoToolchain {
    /// Runs `go ARGS` with no module proxy and the local toolchain, and returns standard output;
    /// fails the test on a non-zero exit.
    static func run(_ arguments: [String]) throws -> Data {
        try runChecked(try Peer.go.require(), arguments, environment: ["GOPROXY": "off", "GOTOOLCHAIN": "local"]).outputData
    }
}
