// `pgo collect` as a command: options, help, usage errors, and a run that fails every round and
// is stopped by cancelling its task (the tests against a real Go service, in process and as a
// subprocess stopped by signals, are in Tests/ProfileStoreTests/ProfileCollectorTests.swift).

import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
import ProfileStore
@testable import PGOCommandLine

@Suite struct CollectCommandTests {
    /// Nothing listens on port 1 of the loopback interface.
    static let refused = "http://127.0.0.1:1/debug/pprof/profile"

    @Test func helpDescribesTheCommand() async {
        let (status, output) = await runCollect(["collect", "--help"])
        #expect(status == 0)
        for text in [
            "Usage: pgo collect [options]", "--store URL", "--service NAME", "--from-url URL", "--interval DURATION",
            "--duration DURATION", "--count N", "--timeout DURATION", "--store-timeout SECONDS", "SIGTERM", "Example:",
            "pgo collect --store s3://profiles/prod --service api",
        ] {
            #expect(output.stdout.contains(text), "\(text)")
        }
        // The store's --timeout (S3 seconds) gives way to the request timeout: listed once.
        #expect(output.stdout.components(separatedBy: "--timeout ").count == 2)
        let overview = await runCollect(["--help"])
        #expect(overview.output.stdout.contains("collect"))
    }

    @Test func usageErrorsExitTwo() async throws {
        let directory = NSTemporaryDirectory() + "pgo-collect-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = ["collect", "--store", directory, "--service", "svc"]
        let cases: [([String], String)] = [
            (base, "missing --from-url URL"),
            (["collect", "--store", directory, "--from-url", Self.refused], "missing --service NAME"),
            (["collect", "--service", "svc", "--from-url", Self.refused], "missing --store URL"),
            (base + ["--from-url", "ftp://host/profile"], "--from-url takes an http:// or https:// URL"),
            (base + ["--from-url", "not a url"], "--from-url takes an http:// or https:// URL"),
            (base + ["--from-url", Self.refused, "--interval", "5 minutes"], "--interval takes a duration like 30s, 5m or 1h30m"),
            (base + ["--from-url", Self.refused, "--duration", "0s"], "--duration takes a duration"),
            (base + ["--from-url", Self.refused, "--count", "0"], "--count must be a whole number"),
            (base + ["--from-url", Self.refused, "--timeout", "soon"], "--timeout takes a number of seconds (or a duration like 90s or 2m)"),
            (base + ["--from-url", Self.refused, "extra"], "unexpected argument 'extra'"),
        ]
        for (arguments, message) in cases {
            let (status, output) = await runCollect(arguments)
            #expect(status == 2, "\(arguments): \(output.stderr)")
            #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
    }

    /// Every round fails (nothing listens): each failure is reported with its time and the
    /// command keeps going; stopping it (cancelling its task, as a signal does) exits 0.
    @Test(.timeLimit(.minutes(10))) func failuresAreReportedAndStoppingExitsZero() async throws {
        let directory = NSTemporaryDirectory() + "pgo-collect-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = Captured()
        let task = Task {
            await PGOTool.run(
                [
                    "collect", "--store", directory, "--service", "svc", "--from-url", Self.refused,
                    "--interval", "1s", "--duration", "2s", "--timeout", "90s", "--store-timeout", "5",
                ],
                context: output.context)
        }
        // Wait for the first failure (a readiness check, not a timing assertion).
        while !output.stderr.contains("error: cannot fetch profile"), !task.isCancelled {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        task.cancel()
        let status = await task.value
        let stderr = output.stderr
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("notice: --interval 1s is shorter than --duration 2s; using an interval of 2s"), "\(stderr)")
        #expect(stderr.contains("collecting 2s CPU profiles every 2s from \(Self.refused)?seconds=2"), "\(stderr)")
        let errorLine = try #require(stderr.split(separator: "\n").first { $0.contains("error: cannot fetch profile") })
        let stamp = errorLine.components(separatedBy: " error: ").first ?? ""
        #expect(stamp.hasSuffix("Z") && parseTimestamp(stamp) != nil, "\(errorLine)")
        #expect(errorLine.contains("retrying at the next interval"))
        #expect(stderr.contains("stopped: saved 0 profiles"), "\(stderr)")
        #expect(output.stdout.isEmpty)
        // Nothing was saved.
        let listing = try? await LocalDirectoryStore(root: directory).list(service: "svc", window: .all)
        #expect(listing?.profiles.isEmpty ?? true)
    }

    @Test func durationsAreWholeSecondsAtLeastOne() async throws {
        #expect(ProfileCollector.wholeSeconds(0.2) == 1)
        #expect(ProfileCollector.wholeSeconds(30) == 30)
        #expect(ProfileCollector.wholeSeconds(90.4) == 90)
        #expect(formatSeconds(300) == "5m" && formatSeconds(90) == "1m30s" && formatSeconds(30) == "30s")
    }
}

private func runCollect(_ arguments: [String]) async -> (status: Int32, output: Captured) {
    let output = Captured()
    let status = await PGOTool.run(arguments, context: output.context)
    return (status, output)
}
