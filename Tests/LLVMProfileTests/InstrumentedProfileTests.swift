import Foundation
import Pprof
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
@testable import LLVMProfile

/// An instrumented Swift program, built and run once for the suite: a hot function, a function
/// that never runs (all its counters 0), and its raw profile.
struct InstrumentedProgram: Sendable {
    /// Fixtures/instrumented/main.swift: a hot function and one that never runs.
    static let fixture = Fixtures.inPackage("Fixtures/instrumented/main.swift")

    let directory: String
    let sourceFile: String
    let binary: String
    let profraw: [UInt8]

    static let shared: Result<InstrumentedProgram, Error> = Result { try InstrumentedProgram() }

    private init() throws {
        directory = try temporaryDirectory("pgo-instrumented")
        sourceFile = directory + "/main.swift"
        binary = directory + "/generate"
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: sourceFile)
        try runChecked(swiftc(), ["-O", "-module-name", "M", "-profile-generate", sourceFile, "-o", binary])
        try runChecked(binary, [], environment: ["LLVM_PROFILE_FILE": directory + "/run.profraw"])
        profraw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/run.profraw")))
    }

    /// Compiles the same source with `-profile-use`; returns swiftc's exit status and output.
    func compile(using profdata: String) throws -> (status: Int32, output: String) {
        let result = try runProgram(swiftc(), ["-O", "-module-name", "M", "-profile-use=\(profdata)", sourceFile, "-o", directory + "/use-" + UUID().uuidString])
        return (result.status, result.combined)
    }
}

@Suite struct InstrumentedProfileTests {
    @Test func rawProfileLayoutReadsTheToolchainsRawFormat() throws {
        let program = try InstrumentedProgram.shared.get()
        let layout = try RawProfileLayout(parsing: program.profraw, source: "run.profraw")
        #expect(layout.version == RawProfileLayout.supportedVersion)
        #expect(layout.functionCount == 3)  // main, collatzStep, neverCalled
        #expect(layout.buildIDs == [try #require(try ELFBuildID.read(program.binary))])
        // Setting every counter to 1 changes the counters and nothing else, as llvm-profdata reads it.
        let tool = try LLVMProfdata.locate(in: testToolchain)
        let ones = program.directory + "/ones.profraw"
        try Data(layout.withEveryCounter(setTo: 1, in: program.profraw)).write(to: URL(fileURLWithPath: ones))
        let shown = try tool.run(["show", "--instr", "--all-functions", "--counts", ones])
        let counterLines = shown.split(separator: "\n").filter { $0.contains("Block counts:") }
        #expect(counterLines.count == 3)
        #expect(shown.contains("Total functions: 3"))
        #expect(shown.contains("Maximum function count: 1\n"))
    }

    @Test func truncatedOrForeignRawProfilesAreErrorsNotCrashes() throws {
        let program = try InstrumentedProgram.shared.get()
        let layout = try RawProfileLayout(parsing: program.profraw, source: "run.profraw")
        let needed = layout.identityRanges.last!.upperBound
        for length in 0..<needed {
            #expect(throws: InputError.self) { try RawProfileLayout(parsing: Array(program.profraw.prefix(length)), source: "cut.profraw") }
        }
        var otherVersion = program.profraw
        otherVersion[8] = 9
        let error = try #require(throws: InputError.self) { try RawProfileLayout(parsing: otherVersion, source: "old.profraw") }
        #expect(error.description.hasPrefix("old.profraw: raw profile format version 9"))
        var huge = program.profraw
        huge[0x28 + 7] = 0x7f  // NumCounters far beyond the file
        #expect(throws: InputError.self) { try RawProfileLayout(parsing: huge, source: "huge.profraw") }
    }

    /// swiftc 6.3.1 crashes in EarlyPerfInliner (`takenProbability >= 0`) on a branch whose
    /// successors both have count 0; the merge's smoothing must make the same profile build.
    @Test func smoothingTurnsTheSwiftcCrashIntoABuild() throws {
        let program = try InstrumentedProgram.shared.get()
        let tool = try LLVMProfdata.locate(in: testToolchain)
        let raw = program.directory + "/crash.profraw"
        try Data(program.profraw).write(to: URL(fileURLWithPath: raw))

        let plain = program.directory + "/plain.profdata"
        try tool.run(["merge", "-o", plain, raw])
        let before = try program.compile(using: plain)
        #expect(before.status != 0, "swiftc built with an unsmoothed profile: if the toolchain fixed the crash, the guard can go")
        #expect(before.output.contains("takenProbability") || before.output.contains("Stack dump"))

        let merged = try InstrumentedProfileMerge.merge([.init(source: "run.profraw", bytes: program.profraw)], sourceRoot: nil, tool: tool)
        #expect(merged.smoothed)
        #expect(merged.functionCount == 3)
        let smoothed = program.directory + "/smoothed.profdata"
        try Data(merged.profdata).write(to: URL(fileURLWithPath: smoothed))
        let after = try program.compile(using: smoothed)
        #expect(after.status == 0, "\(after.output)")
        #expect(!after.output.contains("no profile data available"), "the profile did not match the build: \(after.output)")
    }

    /// Smoothing adds exactly one count per counter, however many profiles are merged.
    @Test func smoothingAddsOneCountPerCounterOverall() throws {
        let program = try InstrumentedProgram.shared.get()
        let tool = try LLVMProfdata.locate(in: testToolchain)
        let inputs = (0..<3).map { InstrumentedProfileMerge.Input(source: "run-\($0).profraw", bytes: program.profraw) }
        let merged = try InstrumentedProfileMerge.merge(inputs, sourceRoot: nil, tool: tool)
        let unsmoothed = try InstrumentedProfileMerge.merge(inputs, sourceRoot: nil, smoothing: false, tool: tool)
        func counts(_ bytes: [UInt8]) throws -> [String: [Int]] {
            let path = program.directory + "/counts-" + UUID().uuidString + ".profdata"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var result: [String: [Int]] = [:]
            var current = ""
            for line in try tool.run(["show", "--instr", "--all-functions", "--counts", path]).split(separator: "\n") {
                if line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") { current = String(line.dropFirst(2).dropLast()) }
                if let range = line.range(of: "Block counts: [") {
                    result[current] = line[range.upperBound...].dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                }
            }
            return result
        }
        let smoothedCounts = try counts(merged.profdata), plainCounts = try counts(unsmoothed.profdata)
        #expect(smoothedCounts.count == 3)
        #expect(Set(smoothedCounts.keys) == Set(plainCounts.keys))
        for (name, values) in plainCounts {
            #expect(smoothedCounts[name] == values.map { $0 + 1 }, "\(name)")
        }
        #expect(plainCounts.values.contains { $0.contains(0) })
    }

    @Test func profilesFromAnotherCheckoutAreReported() throws {
        let program = try InstrumentedProgram.shared.get()
        let tool = try LLVMProfdata.locate(in: testToolchain)
        // The program was built from an absolute path inside its own temporary directory.
        let elsewhere = try InstrumentedProfileMerge.merge([.init(source: "a", bytes: program.profraw)], sourceRoot: "/srv/checkout", tool: tool)
        let warning = try #require(elsewhere.warnings.first)
        #expect(warning.contains("outside this build's source root /srv/checkout"))
        #expect(warning.contains(program.sourceFile))
        #expect(warning.contains("3 of 3 functions"))
        let here = try InstrumentedProfileMerge.merge([.init(source: "a", bytes: program.profraw)], sourceRoot: program.directory, tool: tool)
        #expect(here.warnings.isEmpty)
    }

    @Test func indexedInputsMergeButAreReportedAsUnsmoothable() throws {
        let program = try InstrumentedProgram.shared.get()
        let tool = try LLVMProfdata.locate(in: testToolchain)
        let indexed = try InstrumentedProfileMerge.merge([.init(source: "a", bytes: program.profraw)], sourceRoot: nil, smoothing: false, tool: tool)
        let result = try InstrumentedProfileMerge.merge([.init(source: "b.profdata", bytes: indexed.profdata)], sourceRoot: nil, tool: tool)
        #expect(result.functionCount == 3)
        #expect(!result.smoothed)
        #expect(result.warnings.contains { $0.contains("cannot be smoothed") })
    }

    @Test func aMissingOrMismatchedLLVMProfdataSaysHowToFixIt() throws {
        let directory = try temporaryDirectory("pgo-fake-toolchain")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A "toolchain" with a swiftc and a clang but no llvm-profdata.
        for (name, version) in [("swiftc", "Swift version 6.3.1"), ("clang", "clang version 21.0.0")] {
            try "#!/bin/sh\necho '\(version)'\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(directory)/\(name)")
        }
        let missing = try #require(throws: ToolchainError.self) { try LLVMProfdata.locate(in: Toolchain.locate(environment: ["SWIFTC": "\(directory)/swiftc"])) }
        #expect(missing.description.contains("llvm-profdata not found next to swiftc (\(directory)/swiftc)"))
        #expect(missing.description.contains("PGO_LLVM_PROFDATA"))

        let old = directory + "/llvm-profdata-14"
        try "#!/bin/sh\necho 'Debian LLVM version 14.0.6'\n".write(toFile: old, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: old)
        let mismatch = try #require(throws: ToolchainError.self) {
            try LLVMProfdata.locate(in: Toolchain.locate(environment: ["SWIFTC": "\(directory)/swiftc", "PGO_LLVM_PROFDATA": old]))
        }
        #expect(mismatch.description.contains("is LLVM 14.0.6, but the Swift toolchain"))
        #expect(mismatch.description.contains("LLVM 21.0.0"))
        #expect(mismatch.description.contains("Unset PGO_LLVM_PROFDATA"))

        // The real one, found next to the real swiftc, is accepted.
        let real = try LLVMProfdata.locate(in: testToolchain)
        #expect(real.path.hasSuffix("/llvm-profdata"))
        #expect(real.llvmVersion.first?.isNumber == true)
    }

    @Test func sourcePathWarningListsOnlyForeignFiles() {
        let names = ["/a/src/x.swift:$s1M1fyyF", "/a/src/x.swift:main", "/b/y.swift:$s1M1gyyF", "$s1M3pubyyF", "rel.swift:$s1M1hyyF"]
        #expect(InstrumentedProfileMerge.sourcePathWarning(names: names, sourceRoot: "/a") != nil)
        let warning = InstrumentedProfileMerge.sourcePathWarning(names: names, sourceRoot: "/a/src/")
        #expect(warning?.contains("1 file, e.g. /b/y.swift") == true)
        #expect(warning?.contains("1 of 5 functions") == true)
        #expect(InstrumentedProfileMerge.sourcePathWarning(names: Array(names.prefix(2)) + ["$s1M3pubyyF"], sourceRoot: "/a/src") == nil)
        // A sibling directory that shares the root's name as a prefix is not inside it.
        #expect(InstrumentedProfileMerge.sourcePathWarning(names: ["/a/src2/z.swift:f"], sourceRoot: "/a/src") != nil)
    }
}
