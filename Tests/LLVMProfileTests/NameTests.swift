import Foundation
import Pprof
import Testing
@testable import LLVMProfile

/// Conversion never fails on a name (issue 12): perf names libswiftCore's frames with demangled
/// C++ names, spaces included, and such a call target made `pgo convert` fail with "bad call
/// target". Names the format cannot carry are left out and counted; calls into another binary
/// are not call targets.
@Suite struct NameTests {
    static let demangled = "swift::RefCounts<swift::RefCountBitsT<(swift::RefCountInlinedness)1> >::incrementSlow(swift::RefCountBitsT<(swift::RefCountInlinedness)1>, bool)"

    /// main (lines, in the app's mapping) calls `callee`, which has no lines, in mapping `calleeMapping`.
    func profile(callee: String, calleeMapping: UInt64) -> Profile {
        var p = Profile()
        p.stringTable = ["", "samples", "count", "$s3app4mainyyF", "main.swift", callee, "/app", "/usr/lib/swift/linux/libswiftCore.so"]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.mappings = [
            Mapping(id: 1, memoryStart: 0x1000, memoryLimit: 0x9000, filename: 6),
            Mapping(id: 2, memoryStart: 0x7f00_0000, memoryLimit: 0x7f10_0000, filename: 7),
        ]
        p.functions = [Function(id: 1, name: 3, systemName: 3, filename: 4, startLine: 10), Function(id: 2, name: 5, systemName: 5)]
        p.locations = [
            Location(id: 1, mappingID: calleeMapping, address: 0x7f00_1000, lines: [Line(functionID: 2, line: 0)]),
            Location(id: 2, mappingID: 1, address: 0x1100, lines: [Line(functionID: 1, line: 12)]),
        ]
        p.samples = [Sample(locationIDs: [1, 2], values: [7]), Sample(locationIDs: [2], values: [3])]
        return p
    }

    @Test func aNameWithSpacesIsLeftOutAndCounted() throws {
        var report = ConversionReport()
        let converted = SampleProfile(converting: profile(callee: Self.demangled, calleeMapping: 1), report: &report)
        let text = try converted.validatedText()  // threw "bad call target" before
        #expect(!text.contains("RefCounts"))
        #expect(report.namesLeftOut == 1)
        #expect(converted.functions["$s3app4mainyyF"]?.bodySamples.values.reduce(0, +) == 10)
        #expect(SampleProfile.canCarry("$s3app4mainyyF") && SampleProfile.canCarry("/src/a.swift:$s1a1fyyF"))
        #expect(!SampleProfile.canCarry("a b") && !SampleProfile.canCarry("a\tb") && !SampleProfile.canCarry(""))
    }

    @Test func callsIntoAnotherBinaryAreNotCallTargets() throws {
        var sameBinary = ConversionReport()
        let thunk = SampleProfile(converting: profile(callee: "$s3app5thunkyyF", calleeMapping: 1), report: &sameBinary)
        #expect(thunk.functions["$s3app4mainyyF"]?.callTargets.values.contains { $0["$s3app5thunkyyF"] == 7 } == true)
        var otherBinary = ConversionReport()
        let library = SampleProfile(converting: profile(callee: "swift_retain", calleeMapping: 2), report: &otherBinary)
        #expect(library.functions["$s3app4mainyyF"]?.callTargets.isEmpty == true)
        #expect(otherBinary.callsIntoOtherBinaries == 1)
        _ = try library.validatedText()
    }
}
