import BinaryFormats
import Foundation
import PGOSystem
import Pprof
import ProfileStore
import TestSupport
import Testing
@testable import PGOPipeline

/// `pgo report`: the analysis over hand-made timelines, the page over a report, and the
/// workflow over a store of real profiles, where what the report says a fetch would use is
/// checked against that fetch.
@Suite struct ReportTests {
    typealias Gap = ProfileReport.Gap

    static func point(_ key: String, at seconds: Int64, cpu: Double, duration: Double = 10, build: String = "aa") -> ProfileReport.Point {
        ProfileReport.Point(
            key: key, time: seconds * 1000, cpuNanoseconds: Int64(cpu * 1e9), durationNanoseconds: Int64(duration * 1e9), build: build, bytes: 100)
    }

    // MARK: Analysis

    @Test func outliersAreFarFromTheMedianAndZeroIsAlwaysOne() {
        #expect(ProfileReport.outliers([1, 1.1, 0.9, 1, 1.05, 0.95, 5]) == [6])
        #expect(ProfileReport.outliers([1, 1.1, 0.9, 1, 1.05, 0.95, 1.2]) == [])
        #expect(ProfileReport.outliers([2, 2, 2, 0, 2]) == [3])
        // No deviation to scale by (most values equal): off the median by more than half of it.
        #expect(ProfileReport.outliers([2, 2, 2, 2, 3.5, 2.9]) == [4])
        #expect(ProfileReport.outliers([1, 0]) == [1])
        #expect(ProfileReport.outliers([0, 0, 0]) == [])
    }

    @Test func gapsAreLongStretchesWithoutProfilesIncludingTheEdges() {
        // A profile a minute for an hour, minus 20 minutes from 00:20.
        let times = (0...60).filter { !(20..<40).contains($0) }.map { Int64($0) * 60_000 }
        #expect(ProfileReport.gaps(times: times, from: 0, to: 3_600_000) == [Gap(from: 19 * 60_000, to: 40 * 60_000)])
        // A window that starts an hour before the first profile: that hour is a gap.
        #expect(ProfileReport.gaps(times: times, from: -3_600_000, to: 3_600_000).first == Gap(from: -3_600_000, to: 0))
        // Two minutes late is not a gap (under three intervals).
        #expect(ProfileReport.gaps(times: [0, 60_000, 120_000, 300_000, 360_000], from: 0, to: 360_000) == [])
        #expect(ProfileReport.gaps(times: [0, 60_000, 120_000, 400_000, 460_000], from: 0, to: 460_000) == [Gap(from: 120_000, to: 400_000)])
        #expect(ProfileReport.gaps(times: [5_000, 6_000], from: 0, to: 10_000_000) == [])
        #expect(ProfileReport.gaps(times: [5_000, 5_000, 5_000], from: 0, to: 10_000_000) == [], "one moment has no usual interval")
    }

    @Test func buildsCoverTheirShareOfTheRange() {
        let points = (0..<6).map { Self.point("a\($0)", at: Int64($0) * 100, cpu: 1) } + (0..<3).map { Self.point("b\($0)", at: 600 + Int64($0) * 100, cpu: 3, build: "bb") }
        let builds = ProfileReport.builds(points, from: 0, to: 1_000_000)
        #expect(builds.map(\.id) == ["aa", "bb"])
        #expect(builds.map(\.profiles) == [6, 3])
        #expect(builds[1].cpuNanoseconds == 9_000_000_000)
        // aa: 0 s to 500 s plus its last profile's 10 s = 510 s of 1,000 s.
        #expect(abs(builds[0].coverage - 0.51) < 1e-9 && abs(builds[1].coverage - 0.21) < 1e-9, "\(builds.map(\.coverage))")
    }

    @Test func valuesAreCoresOnlyWhenEveryProfileHasADuration() {
        var report = Self.report([Self.point("a", at: 0, cpu: 20), Self.point("b", at: 60, cpu: 5)])
        #expect(report.valuesAreCores && report.values == [2, 0.5])
        report.points[1].durationNanoseconds = 0
        #expect(!report.valuesAreCores && report.values == [20, 5])
    }

    static func report(_ points: [ProfileReport.Point], functions: [ProfileReport.Function] = []) -> ProfileReport {
        ProfileReport(
            service: "api", store: "file:///s", windowDescription: "the last 1h", selection: "all", tool: "swift-pgo test", generatedAt: 0,
            from: 0, to: 3_600_000, points: points, fetch: .init(), valueType: "cpu/nanoseconds", total: 1_000, topFlat: functions, topCumulative: functions)
    }

    // MARK: The page

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func thePageHoldsEveryPointGapAndFunctionAndLoadsNothing() {
        let points = (0..<40).filter { !(15..<30).contains($0) }.map { Self.point("api/\($0).pb.gz", at: Int64($0) * 60, cpu: $0 == 7 ? 90 : 10) }
        let hostile = ProfileReport.Function(name: "<script>alert(\"x\")</script> & 'q'", flat: 500, cumulative: 900)
        let page = ReportPage.html(Self.report(points, functions: [hostile, .init(name: "main.work", flat: 100, cumulative: 100)]))
        #expect(Self.count("<circle class=\"point", in: page) == 25)
        #expect(Self.count("class=\"point outlier", in: page) == 1)
        #expect(Self.count("<rect class=\"gap\"", in: page) == 2, "the hole and the window's last 20 minutes")
        #expect(Self.count("<tr class=\"build\"", in: page) == 1)
        #expect(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"))
        #expect(!page.contains("<script"), "no script at all, and names are escaped")
        #expect(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""))
        for attribute in [" src=", " href=", "url(", "@import"] { #expect(!page.contains(attribute), "\(attribute)") }
        #expect(page.contains("id=\"fetch\" data-status=\"ok\""))
    }

    @Test func aLargeWindowIsDrawnAsColumnsWithItsOutliers() {
        let points = (0..<10_000).map { Self.point("k\($0)", at: Int64($0), cpu: $0 == 5_000 ? 0 : 10) }
        var report = Self.report(points)
        report.to = 10_000
        let page = ReportPage.html(report)
        #expect(Self.count("<circle class=\"point", in: page) == 1, "only the outlier is a circle")
        #expect(Self.count("<line class=\"range\"", in: page) > 500)
        #expect(page.utf8.count < 2_000_000, "\(page.utf8.count) bytes")
    }

    @Test func aFailedFetchIsSaid() {
        var report = Self.report([])
        report.fetch = .init(failure: "no profiles of service 'api' in file:///s for the last 1h")
        let page = ReportPage.html(report)
        #expect(page.contains("data-status=\"failed\""))
        #expect(page.contains("WITHOUT a profile</b>: no profiles of service &#39;api&#39;"))
        #expect(page.contains("No raw pprof profiles in this window."))
    }

    // MARK: The workflow

    static func run(_ store: any FullProfileStore, selection: ProfileSelection = .all) async throws -> ProfileReport {
        var options = FetchOptions(
            store: store.location, service: "api", window: TimeWindow(from: CompactionTests.hour0, to: CompactionTests.hour0.addingTimeInterval(86_400 - 0.001)),
            windowDescription: "the test window")
        options.selection = selection
        return try await ProfileReporter(
            options: options, store: store, toolVersion: "test", toolchain: toolchain, generatedAt: CompactionTests.now, diagnostics: .ignored
        ).run()
    }

    @Test func theReportIsWhatTheFetchMerges() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root + "/store")
        let saved = try await CompactionTests.fill(store)
        let report = try await Self.run(store)
        let fetched = try await CompactionTests.fetch(store, llvm: false)

        #expect(report.points.map(\.key) == saved.map(\.key))
        #expect(report.points.allSatisfy { $0.usedByFetch })
        #expect(report.fetch.failure == nil && report.fetch.objects == fetched.manifest.objects.count && report.fetch.bytes == fetched.manifest.summary.bytes)
        // The functions are those of the profile the fetch merged (its manifest's top ten).
        let top = try #require(fetched.manifest.topFunctions)
        #expect(top.count == 10 && report.topFlat.prefix(10).map(\.name) == top.map(\.name) && report.topFlat.prefix(10).map(\.flat) == top.map(\.flat))
        #expect(report.valueType == "cpu/nanoseconds" && fetched.manifest.sampleTotals.contains(.init(type: report.valueType, total: report.total)))
        #expect(report.topCumulative.map(\.cumulative) == report.topCumulative.map(\.cumulative).sorted(by: >))
        #expect(report.topCumulative.first.map { $0.cumulative <= report.total } == true)
        // Each profile's CPU is its own; the two executables are the two builds.
        for (point, object) in zip(report.points, saved) {
            #expect(point.cpuNanoseconds == cpuTotal(try Profile(serialized: try await store.get(object))), "\(object.key)")
        }
        #expect(report.builds.count == 2 && report.builds.map(\.profiles) == [18, 3], "\(report.builds)")
        #expect(report.points.filter { $0.build == report.builds[1].id }.count == 3)

        // A rule that takes some: the others are marked unused.
        let newest = try await Self.run(store, selection: .newest(4))
        #expect(newest.points.filter(\.usedByFetch).map(\.key) == saved.suffix(4).map(\.key))
        #expect(newest.fetch.objects == 4)
    }

    @Test func profilesOnlyInRollupsAreSpansAndTheFunctionsStay() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root + "/store")
        try await CompactionTests.fill(store)
        let before = try await Self.run(store)
        _ = try await CompactionTests.compact(store, deleteRaw: true)
        let after = try await Self.run(store)
        #expect(after.points.isEmpty)
        #expect(after.rollupSpans.map(\.profiles) == [7, 7, 7])
        #expect(after.fetch.rollups == 3 && after.fetch.profiles == 21)
        #expect(after.topFlat == before.topFlat && after.total == before.total)
    }

    @Test func anEmptyServiceIsAReportOfAFetchWithoutAProfile() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root + "/store")
        try await store.save(try BoundedFile.read(Fixtures.path("profiles/small-1.pb.gz")), service: "other", createdAt: CompactionTests.hour0)
        let report = try await Self.run(store)
        #expect(report.points.isEmpty && report.topFlat.isEmpty)
        #expect(report.fetch.failure?.contains("no profiles of service 'api'") == true)
        #expect(report.fetch.failure?.contains("only: other") == true, "\(report.fetch.failure ?? "")")
    }

    @Test func anUnreadableObjectIsNamed() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = LocalDirectoryStore(root: root + "/store")
        let saved = try await CompactionTests.fill(store, hours: 1)
        // Damaged in the store after upload: the report names it, and so does the fetch's account.
        try Data([0x1f, 0x8b, 0x08, 0, 0, 0]).write(to: URL(fileURLWithPath: root + "/store/" + saved[2].key))
        let report = try await Self.run(store)
        #expect(report.points.count == 6)
        #expect(report.unreadable.count == 1 && report.unreadable[0].hasPrefix(saved[2].key + ": "), "\(report.unreadable)")
        #expect(report.fetch.skipped.contains { $0.contains(saved[2].key) }, "\(report.fetch.skipped)")
    }
}
