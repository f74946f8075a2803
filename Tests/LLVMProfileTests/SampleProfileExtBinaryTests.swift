import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import LLVMProfile

/// The extbinary writer and reader: lossless round trips, agreement with the toolchain's
/// llvm-profdata in both directions (including the profile summary), errors on bad input, and
/// swiftc applying the result.
@Suite struct SampleProfileExtBinaryTests {
    static let fixtures = Fixtures.inPackage("Fixtures/profiles/")

    /// Discriminators, call targets (ties broken by name), two inlinees at one line, inlinees
    /// two levels deep, and totals that differ so every ordering is fixed.
    static func handMade() -> SampleProfile {
        var leaf = FunctionSamples(name: "$s4main4leafyyF")
        leaf.bodySamples = [LineLocation(offset: 1, discriminator: 7): 30, LineLocation(offset: 2): 4]
        leaf.callTargets = [LineLocation(offset: 1, discriminator: 7): ["bar": 2, "abc": 2, "zed": 9]]
        var helper = FunctionSamples(name: "helper")
        helper.bodySamples = [LineLocation(offset: 0): 6]
        var middle = FunctionSamples(name: "$s4main6middleyyF")
        middle.bodySamples = [LineLocation(offset: 3): 11]
        middle.inlinees = [LineLocation(offset: 5, discriminator: 1): ["$s4main4leafyyF": leaf]]
        var main = FunctionSamples(name: "main")
        main.headSamples = 1
        main.bodySamples = [LineLocation(offset: 2): 9, LineLocation(offset: 3, discriminator: 2): 1000, LineLocation(offset: 65_535): 1]
        main.callTargets = [LineLocation(offset: 2): ["$s4main4workyyF": 8, "foo": 1]]
        main.inlinees = [LineLocation(offset: 4): ["$s4main6middleyyF": middle, "helper": helper]]
        var work = FunctionSamples(name: "$s4main4workyyF")
        work.headSamples = 8
        work.bodySamples = [LineLocation(offset: 2): 5, LineLocation(offset: 6): 0]
        work.callTargets = [LineLocation(offset: 6): ["ü-unicode": 3]]
        var profile = SampleProfile()
        for function in [main, work] { profile.functions[function.name] = function }
        return profile
    }

    static func fixtureModels() throws -> [(String, SampleProfile)] {
        var report = ConversionReport()
        var models = [("synthetic", SampleProfile(converting: SampleProfileTests().synthetic(), report: &report))]
        for name in ["large", "small-1", "other-binary"] {
            models.append((name, SampleProfile(converting: try ProfileFile.read(fixtures + name + ".pb.gz"), report: &report)))
        }
        return models
    }

    // MARK: Round trips through our own reader

    @Test func handMadeModelRoundTrips() throws {
        let model = Self.handMade()
        #expect(try model.canonical() == model)
        let bytes = try model.extBinaryFormat()
        let (read, summary) = try SampleProfile.readExtBinary(bytes)
        #expect(read == model)
        #expect(summary == SampleProfileSummary(of: model))
        #expect(try read.extBinaryFormat() == bytes)
    }

    @Test func textToModelToExtBinaryToModelIsLossless() throws {
        for (name, converted) in try Self.fixtureModels() {
            let fromText = try SampleProfile(text: converted.textFormat())
            #expect(fromText.functions.count > 0, "\(name)")
            let read = try SampleProfile(extBinary: try fromText.extBinaryFormat())
            #expect(read == fromText, "\(name)")
            #expect(read.textFormat() == converted.textFormat(), "\(name)")
        }
    }

    @Test func largeFixtureHasWhatTheFormatMustCarry() throws {
        // The round trip above only proves something if the fixtures exercise the format.
        let large = try #require(try Self.fixtureModels().first { $0.0 == "large" }?.1)
        #expect(large.functions.values.contains { !$0.inlinees.isEmpty })
        #expect(large.functions.values.contains { !$0.callTargets.isEmpty })
        #expect(large.functions.values.contains { $0.headSamples > 0 })
    }

    @Test func emptyFunctionsAreLeftOutAsTheTextFormatLeavesThemOut() throws {
        var model = Self.handMade()
        model.functions["cold"] = FunctionSamples(name: "cold")
        model.functions["main"]?.inlinees[LineLocation(offset: 9)] = ["never": FunctionSamples(name: "never")]
        let read = try SampleProfile(extBinary: try model.extBinaryFormat())
        #expect(read == Self.handMade())
        #expect(read == (try SampleProfile(text: model.textFormat())))
    }

    @Test func whatTheFormatCannotHoldIsAnError() {
        var negative = SampleProfile()
        var function = FunctionSamples(name: "f")
        function.bodySamples = [LineLocation(offset: -2): 10]
        negative.functions["f"] = function
        #expect(throws: SampleProfileValidationError.self) { try negative.extBinaryFormat() }
        var tooFar = SampleProfile()
        function.bodySamples = [LineLocation(offset: 65_536): 10]  // llvm-profdata: "Illegal line offset"
        tooFar.functions["f"] = function
        #expect(throws: SampleProfileValidationError.self) { try tooFar.extBinaryFormat() }

        var overflowing = SampleProfile()
        function.bodySamples = [LineLocation(offset: 1): .max, LineLocation(offset: 2): 1]
        overflowing.functions["f"] = function
        #expect(throws: SampleProfileValidationError.self) { try overflowing.extBinaryFormat() }
    }

    // MARK: Agreement with llvm-profdata

    @Test func llvmProfdataReadsOurExtBinaryAsTheSameProfile() throws {
        let profdata = try Self.profdata()
        let directory = try temporaryDirectory("pgo-extbin")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, model) in [("hand-made", Self.handMade())] + (try Self.fixtureModels()) {
            let expected = try model.canonical()
            let path = directory + "/\(name).extbin"
            try Data(try model.extBinaryFormat()).write(to: URL(fileURLWithPath: path))
            let show = try runProgram(profdata, ["show", "--sample", path])
            #expect(show.status == 0, "\(name): \(show.errors)")
            #expect(show.output.components(separatedBy: "Function: ").count - 1 == expected.functions.count, "\(name)")
            // The tool's own text rendering of our file, read by our text reader.
            let text = try runProgram(profdata, ["merge", "--sample", "--text", path, "-o", directory + "/\(name).txt"])
            #expect(text.status == 0, "\(name): \(text.errors)")
            let theirs = try SampleProfile(text: try String(contentsOfFile: directory + "/\(name).txt", encoding: .utf8))
            #expect(theirs == expected, "\(name)")
        }
    }

    @Test func weReadLLVMProfdatasExtBinaryAndAgreeOnTheSummary() throws {
        let profdata = try Self.profdata()
        let directory = try temporaryDirectory("pgo-extbin")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, model) in [("hand-made", Self.handMade())] + (try Self.fixtureModels()) {
            let expected = try model.canonical()
            try model.textFormat().write(toFile: directory + "/\(name).txt", atomically: true, encoding: .utf8)
            let symbols = directory + "/symbols.txt"
            try "cold_function\nmain\n".write(toFile: symbols, atomically: true, encoding: .utf8)
            // llvm-profdata's layouts and optional sections must all read back the same.
            for extra in [[], ["--compress-all-sections"], ["--split-layout"], ["--gen-partial-profile"], ["--prof-sym-list=\(symbols)"]] {
                let out = directory + "/\(name)-llvm.extbin"
                let merge = try runProgram(profdata, ["merge", "--sample", "--extbinary"] + extra + [directory + "/\(name).txt", "-o", out])
                #expect(merge.status == 0, "\(name): \(merge.errors)")
                let theirs = Array(try Data(contentsOf: URL(fileURLWithPath: out)))
                let (read, summary) = try SampleProfile.readExtBinary(theirs)
                #expect(read == expected, "\(name) \(extra)")
                // The compiler's hot/cold thresholds come from this summary.
                #expect(summary == SampleProfileSummary(of: expected), "\(name) \(extra)")
                if extra.isEmpty {
                    let ours = try expected.extBinaryFormat()
                    let (theirSections, ourSections) = (try Self.sections(theirs), try Self.sections(ours))
                    #expect(theirSections.map(\.type) == ourSections.map(\.type), "\(name)")
                    for type: UInt64 in [1, 2, 6] {  // summary, name table, context name table
                        #expect(theirSections.first { $0.type == type }?.bytes == ourSections.first { $0.type == type }?.bytes, "\(name) section \(type)")
                    }
                    #expect(theirSections.first { $0.type == 32 }?.bytes.count == ourSections.first { $0.type == 32 }?.bytes.count, "\(name)")
                    if name == "hand-made" { #expect(theirs == ours, "every total differs, so the whole file is fixed") }
                    if name == "large" {
                        let textSize = model.textFormat().utf8.count
                        print("large fixture: text \(textSize) bytes, extbinary \(ours.count) bytes (llvm-profdata's \(theirs.count))")
                    }
                }
            }
        }
    }

    @Test func md5NamesAreRefusedWithAClearError() throws {
        let profdata = try Self.profdata()
        let directory = try temporaryDirectory("pgo-extbin")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.handMade().textFormat().write(toFile: directory + "/in.txt", atomically: true, encoding: .utf8)
        let merge = try runProgram(profdata, ["merge", "--sample", "--extbinary", "--use-md5", directory + "/in.txt", "-o", directory + "/md5.extbin"])
        #expect(merge.status == 0, "\(merge.errors)")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/md5.extbin")))
        #expect {
            try SampleProfile(extBinary: bytes)
        } throws: { error in
            (error as? BinaryFormatError)?.problem.contains("MD5") == true
        }
    }

    @Test func validatedBytesChecksBothEncodings() throws {
        let model = Self.handMade()
        let binary = try model.validatedBytes(format: .extbinary)
        #expect(SampleProfile.isExtBinary(binary))
        #expect(try SampleProfile(extBinary: binary) == model)
        let text = try model.validatedBytes(format: .text)
        #expect(text == Array(model.textFormat().utf8))
        #expect(!SampleProfile.isExtBinary(text))
        #expect(throws: SampleProfileValidationError.self) { try SampleProfile().validatedBytes(format: .extbinary) }
    }

    // MARK: Bad input

    @Test func everyTruncationIsAnError() throws {
        let bytes = try Self.handMade().extBinaryFormat()
        for length in 0..<bytes.count {
            #expect(throws: BinaryFormatError.self, "\(length) of \(bytes.count) bytes") {
                try SampleProfile(extBinary: Array(bytes[..<length]))
            }
        }
    }

    @Test func everySingleByteCorruptionIsReadOrRejectedWithoutACrash() throws {
        let bytes = try Self.handMade().extBinaryFormat()
        var rejected = 0
        for index in bytes.indices {
            for value: UInt8 in [0x00, 0xFF, bytes[index] ^ 0x01] where value != bytes[index] {
                var corrupt = bytes
                corrupt[index] = value
                do { _ = try SampleProfile(extBinary: corrupt) } catch { rejected += 1 }
            }
        }
        #expect(rejected > bytes.count)
    }

    @Test func corruptionsNameWhatIsWrong() throws {
        let bytes = try Self.handMade().extBinaryFormat()
        let sections = try Self.sections(bytes)
        func problem(_ corrupt: [UInt8]) -> String {
            do { _ = try SampleProfile(extBinary: corrupt); return "accepted" } catch { return error.description }
        }
        var badMagic = bytes
        badMagic[0] ^= 0x01
        #expect(problem(badMagic).contains("not an extbinary sample profile"))
        var badVersion = bytes
        badVersion[9] = 102
        #expect(problem(badVersion).contains("offset 9: unsupported extbinary version 102"))
        var outside = bytes
        outside[10 + 8 + 16] = 0xFF  // first section's offset, low byte
        outside[10 + 8 + 17] = 0xFF
        #expect(problem(outside).contains("lies outside"))
        // The first function's name index, right after its head samples.
        let profiles = try #require(sections.first { $0.type == 32 })
        var badName = bytes
        badName[profiles.offset + 1] = 0x7F
        #expect(problem(badName).contains("function name index 127 is outside the name table"))
        // A function offset table entry that points into the middle of a profile.
        let offsets = try #require(sections.first { $0.type == 4 })
        var badOffset = bytes
        badOffset[offsets.offset + 2] = 1
        #expect(problem(badOffset).contains("function offset table"))
        // MD5 names cannot be read back into names.
        let names = try #require(sections.firstIndex { $0.type == 2 })
        var md5 = bytes
        md5[10 + 8 + names * 32 + 8 + 4] = 1
        #expect(problem(md5).contains("MD5"))
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        // A name table of one name, then a function whose inlinee chain never ends.
        var nameTable: [UInt8] = [1]
        nameTable += Array("f".utf8) + [0]
        var profiles: [UInt8] = [0]
        for _ in 0..<10_000 { profiles += [0, 1, 0, 1, 0, 0] }  // name 0, total 1, no lines, 1 callsite at 0.0
        var file: [UInt8] = []
        file.appendULEB128(ExtBinaryFormat.magic)
        file.appendULEB128(ExtBinaryFormat.version)
        file.appendLittleEndian(UInt64(2))
        let start = file.count + 64
        for (type, offset, size) in [(UInt64(2), start, nameTable.count), (32, start + nameTable.count, profiles.count)] {
            for word in [type, 0, UInt64(offset), UInt64(size)] { file.appendLittleEndian(word) }
        }
        file += nameTable + profiles
        #expect(throws: BinaryFormatError.self) { try SampleProfile(extBinary: file) }
    }

    // MARK: swiftc

    @Test func swiftcAppliesTheExtBinaryAsItAppliesTheText() throws {
        // swiftc 6.3.1 skips LLVM optimization (and so the profile) when the existing object's
        // .swift_modhash matches the new IR, which does not cover the profile: compile each
        // encoding into its own directory.
        let root = NSTemporaryDirectory() + "pgo-swiftc-extbin-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let suite = SwiftcAppliesSamplesTests()
        var report = ConversionReport()
        let profile = SampleProfile(converting: suite.profile(), report: &report)
        var applied: [SampleProfileEncoding: [String]] = [:]
        for format in SampleProfileEncoding.allCases {
            let directory = root + "/" + format.rawValue
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try SwiftcAppliesSamplesTests.source.write(toFile: directory + "/w.swift", atomically: true, encoding: .utf8)
            try Data(try profile.validatedBytes(format: format)).write(to: URL(fileURLWithPath: directory + "/w.profile"))
            applied[format] = try suite.appliedSamples(profile: directory + "/w.profile", in: directory)
                .map { $0.replacingOccurrences(of: directory, with: "DIR") }.sorted()
        }
        let fromBinary = applied[.extbinary] ?? []
        #expect(fromBinary.contains { $0.contains("Line: 3,") }, "\(fromBinary)")
        #expect(fromBinary.contains { $0.contains("Line: 6,") }, "\(fromBinary)")
        #expect(fromBinary == applied[.text])
    }

    // MARK: Helpers

    static func profdata() throws -> String {
        try #require(testToolchain.tool("llvm-profdata"), "llvm-profdata not found next to swiftc")
    }



    /// The section headers of an extbinary file, in header order, with each section's bytes.
    static func sections(_ file: [UInt8]) throws -> [(type: UInt64, offset: Int, bytes: [UInt8])] {
        func word(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(file[at + $1]) << (8 * UInt64($1)) } }
        // The magic number takes 9 bytes as ULEB128 and version 103 one.
        let count = Int(word(10))
        return (0..<count).map { index in
            let entry = 18 + index * 32
            let (offset, size) = (Int(word(entry + 16)), Int(word(entry + 24)))
            return (word(entry), offset, Array(file[offset..<(offset + size)]))
        }
    }
}
