import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

@Suite struct MergeTests {
    func merge(_ profiles: [Profile], options: MergeOptions = MergeOptions()) throws -> Profile {
        var merger = ProfileMerger(options: options)
        for (i, p) in profiles.enumerated() { try merger.add(p, source: "input-\(i)") }
        return merger.finish()
    }

    /// Two profiles of the same program loaded at different addresses (ASLR).
    func program(base: UInt64, values: [Int64], time: Int64 = 1_000, duration: Int64 = 100, period: Int64 = 10_000_000,
                 labels: [(String, String)] = [], comment: String? = nil) -> Profile {
        var b = ProfileBuilder(period: period)
        let m = b.mapping(start: base, limit: base + 0x10_0000)
        let main = b.function("main.main", start: 10)
        let work = b.function("main.work", start: 20)
        let leaf = b.location(base + 0x100, mapping: m, [(work, 22)])
        let caller = b.location(base + 0x200, mapping: m, [(main, 12)])
        b.sample([leaf, caller], values, labels: labels)
        b.sample([caller], [1, period])
        b.profile.timeNanos = time
        b.profile.durationNanos = duration
        if let comment { b.profile.comments = [b.s(comment)] }
        return b.profile
    }

    @Test func equalStacksAreSummedAcrossAddressSpaceLayouts() throws {
        let merged = try merge([program(base: 0x400000, values: [2, 20]), program(base: 0x7f0000, values: [3, 30])])
        #expect(merged.mappings.count == 1)
        #expect(merged.mappings[0].memoryStart == 0x400000)  // the smallest start represents the group
        #expect(merged.locations.count == 2)
        #expect(merged.functions.count == 2)
        #expect(merged.samples.map(\.values).sorted { $0[0] < $1[0] } == [[2, 20_000_000], [5, 50]])
        #expect(merged.locations.map(\.address) == [0x400100, 0x400200])
    }

    @Test func labelsKeepSamplesApart() throws {
        let merged = try merge([
            program(base: 0x400000, values: [2, 20], labels: [("worker", "1")]),
            program(base: 0x400000, values: [3, 30], labels: [("worker", "2")]),
            program(base: 0x400000, values: [4, 40], labels: [("worker", "1")]),
        ])
        let labelled = merged.samples.filter { !$0.labels.isEmpty }
        #expect(labelled.count == 2)
        let byWorker = Dictionary(uniqueKeysWithValues: labelled.map { (merged.string($0.labels[0].str), $0.values[0]) })
        #expect(byWorker == ["1": 6, "2": 3])
    }

    @Test func headerFieldsCombineLikePprof() throws {
        let merged = try merge([
            program(base: 0x400000, values: [1, 1], time: 5_000, duration: 100, period: 10, comment: "b"),
            program(base: 0x400000, values: [1, 1], time: 3_000, duration: 250, period: 40, comment: "a"),
            program(base: 0x400000, values: [1, 1], time: 0, duration: 1, period: 20, comment: "b"),
        ])
        #expect(merged.durationNanos == 351)
        #expect(merged.period == 40)
        #expect(merged.timeNanos == 3_000)  // earliest set time; an unset (0) time does not win
        #expect(merged.comments.map(merged.string) == ["a", "b"])
    }

    @Test func zeroSamplesAreDroppedWithWhatOnlyTheyUsed() throws {
        var a = program(base: 0x400000, values: [5, 50])
        var b = program(base: 0x400000, values: [-5, -50])
        // Give the second sample of each a value that also cancels out.
        a.samples[1].values = [1, 1]
        b.samples[1].values = [-1, -1]
        var c = program(base: 0x400000, values: [0, 0])
        c.samples[1].values = [0, 0]
        let merged = try merge([a, b, c])
        #expect(merged.samples.isEmpty)
        #expect(merged.locations.isEmpty && merged.functions.isEmpty && merged.mappings.isEmpty)
    }

    @Test func mismatchedSampleTypesAreAnErrorNamingBothInputs() throws {
        var other = ProfileBuilder(sampleTypes: [("alloc_space", "bytes")])
        let f = other.function("f")
        other.sample([other.location(1, [(f, 1)])], [10])
        var merger = ProfileMerger()
        try merger.add(program(base: 0, values: [1, 1]), source: "cpu.pb.gz")
        let error = #expect(throws: MergeError.self) { try merger.add(other.profile, source: "heap.pb.gz") }
        #expect(error?.description == "heap.pb.gz: sample types [alloc_space/bytes] do not match [samples/count cpu/nanoseconds] of cpu.pb.gz")
    }

    @Test func rescalingMakesCountsStandForEqualTime() throws {
        // 100 Hz: 3 samples = 30 ms. 500 Hz: 10 samples = 20 ms.
        let slow = program(base: 0x400000, values: [3, 30_000_000], period: 10_000_000)
        let fast = program(base: 0x400000, values: [10, 20_000_000], period: 2_000_000)
        let summed = try merge([slow, fast])
        let rescaled = try merge([slow, fast], options: MergeOptions(rescalesToCommonPeriod: true))
        let leaf = { (p: Profile) in p.samples.first { $0.locationIDs.count == 2 }!.values }
        #expect(leaf(summed) == [13, 50_000_000])  // pprof's behaviour: counts summed as they are
        #expect(leaf(rescaled) == [5, 50_000_000])  // 3 + 10 × 2ms/10ms; nanoseconds untouched
        #expect(rescaled.period == 10_000_000)
    }

    /// Values at the edges of Int64 (issue 11: `merge --rescale` trapped in the final rounding).
    @Test func rescalingExtremeValuesNeitherTrapsNorLoses() throws {
        let rescale = MergeOptions(rescalesToCommonPeriod: true)
        let leaf = { (p: Profile) in p.samples.first { $0.locationIDs.count == 2 }!.values }
        let huge = program(base: 0x400000, values: [922_337_203_685, 1], period: 10_000_000)
        #expect(leaf(try merge([huge], options: rescale)) == [922_337_203_685, 1])
        let negative = program(base: 0x400000, values: [-(1 << 62), 1], period: 2)
        #expect(leaf(try merge([negative], options: rescale)) == [-(1 << 62), 1])
        // Combined with a slower profile the scaled sum leaves 64 bits: an error naming the input, not a trap.
        let slow = program(base: 0x400000, values: [1, 1], period: 20_000_000)
        do {
            let combined = try merge([huge, slow], options: rescale)
            #expect(leaf(combined)[0] == 461_168_601_844)  // 922337203685 × 10/20 + 1, rounded once, half away from zero
        } catch let error as MergeError {
            #expect(error.description.contains("overflow"), "\(error)")
        }
        #expect(dividedRounding(.min, by: 2) == .min / 2 && dividedRounding(.max, by: 2) == .max / 2 + 1)
        #expect(dividedRounding(5, by: 2) == 3 && dividedRounding(-5, by: 2) == -3)
        #expect(dividedRounding(4, by: 3) == 1 && dividedRounding(-4, by: 3) == -1 && dividedRounding(-6, by: 4) == -2)
    }

    @Test func emptyProfileFirstLosesNothing() throws {
        let empty = try Fixtures.load("profiles/empty.pb.gz")
        let small = try Fixtures.load("profiles/small-1.pb.gz")
        let merged = try merge([empty, small])
        #expect(merged == (try merge([small, empty])))
        #expect(merged.functions.allSatisfy { $0.startLine != 0 })
        #expect(merged.locations.contains { $0.lines.count > 1 })
        #expect(merged.durationNanos == empty.durationNanos + small.durationNanos)
    }

    @Test func mergingOneProfileKeepsItsContent() throws {
        let small = try Fixtures.load("profiles/small-1.pb.gz")
        let merged = try merge([small])
        #expect(ProfileSummary(merged, top: 100).topFunctions == ProfileSummary(small, top: 100).topFunctions)
        let mergedTotal: Int64 = merged.samples.reduce(0) { $0 + $1.values[0] }
        let smallTotal: Int64 = small.samples.reduce(0) { $0 + $1.values[0] }
        #expect(mergedTotal == smallTotal)
        #expect(merged.functions.count == small.functions.count)
    }

    @Test func outputIsIndependentOfInputOrderAndWorkerCount() throws {
        let files = Fixtures.realProfiles.filter { !$0.contains("rate") }.map(Fixtures.path)
        let reference = try mergeProfiles(files.map { .file($0) }, workers: 1).profile.serialized()
        var generator = SystemRandomNumberGenerator()
        for workers in [1, 2, 3] {
            let shuffled = files.shuffled(using: &generator)
            let bytes = try mergeProfiles(shuffled.map { .file($0) }, workers: workers).profile.serialized()
            #expect(bytes == reference, "workers \(workers), order \(shuffled)")
        }
    }

    @Test func totalsAreConservedAcrossAllFixtures() throws {
        let files = Fixtures.realProfiles.map(Fixtures.path)
        let merged = try mergeProfiles(files.map { .file($0) }, workers: 2).profile
        var expected = [Int64](repeating: 0, count: 2)
        for file in files {
            for sample in try ProfileFile.read(file).samples { for i in 0..<2 { expected[i] += sample.values[i] } }
        }
        #expect(ProfileSummary(merged).totals == expected)
    }

    @Test func everyBadInputIsListedUnlessSkipped() throws {
        let good = Fixtures.path("profiles/small-1.pb.gz")
        let bad = ["malformed/garbage.bin", "malformed/empty.pb"].map(Fixtures.path)
        let failure = #expect(throws: MergeInputsError.self) {
            _ = try mergeProfiles([good, bad[0], bad[1]].map { .file($0) }, workers: 2)
        }
        #expect(failure?.problems.map(\.source) == bad)

        let report = try mergeProfiles([good, bad[0], bad[1]].map { .file($0) }, skipInvalid: true, workers: 2)
        #expect(report.mergedCount == 1)
        #expect(report.skipped.map(\.source) == bad)
        // What the caller reports for each (the warn closure's job before it moved to the caller).
        #expect(report.skipped.allSatisfy { !$0.problem.isEmpty })
    }
}
