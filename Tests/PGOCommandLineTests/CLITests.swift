import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
@testable import PGOCommandLine

/// What `pgo` run in-process wrote: the one capture of this suite's tests.
final class Captured: Sendable {
    private let written = Locked<(out: [UInt8], err: String)>(([], ""))
    var stdout: String { written.withLock { String(decoding: $0.out, as: UTF8.self) } }
    var stdoutBytes: [UInt8] { written.withLock { $0.out } }
    var stderr: String { written.withLock { $0.err } }

    func context(
        terminal: Bool = false, in directory: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> CommandContext {
        CommandContext(
            writeOutput: { bytes in self.written.withLock { $0.out += bytes } },
            writeError: { text in self.written.withLock { $0.err += text } },
            outputIsTerminal: terminal, workingDirectory: directory, environment: environment)
    }

    var context: CommandContext { context() }
}

let fixtures = Fixtures.root

func pgo(
    _ arguments: [String], terminal: Bool = false, in directory: String = fixtures,
    environment: [String: String] = ProcessInfo.processInfo.environment
) async -> (status: Int32, output: Captured) {
    let captured = Captured()
    let status = await PGOTool.run(arguments, context: captured.context(terminal: terminal, in: directory, environment: environment))
    return (status, captured)
}


@Suite struct ArgumentParserTests {
    let spec = CommandSpec(name: "demo", summary: "Demo.", positionals: "FILE...", options: [
        OptionSpec(["-o", "--output"], value: "OUT", help: "Output."),
        OptionSpec(["--flag"], help: "A flag."),
        OptionSpec(["--tag"], value: "T", help: "Tags.", repeatable: true),
    ])

    @Test func parsesEveryForm() async throws {
        let parsed = try spec.parse(["a", "-o", "x", "--flag", "--tag=1", "--tag", "2", "-", "--", "--not-an-option"])
        #expect(parsed.value("--output") == "x")
        #expect(parsed.has("--flag"))
        #expect(parsed.values["--tag"] == ["1", "2"])
        #expect(parsed.positionals == ["a", "-", "--not-an-option"])
        #expect(try spec.parse(["--output=y"]).value("--output") == "y")
    }

    @Test func rejectsWhatDoesNotFit() async {
        #expect(throws: UsageError("unknown option '--nope' for 'pgo demo' (see 'pgo demo --help')")) { try spec.parse(["--nope"]) }
        #expect(throws: UsageError("option --output needs a value OUT")) { try spec.parse(["-o"]) }
        #expect(throws: UsageError("option --flag takes no value")) { try spec.parse(["--flag=1"]) }
        #expect(throws: UsageError("option --output is given more than once")) { try spec.parse(["-o", "a", "-o", "b"]) }
    }

    @Test func helpListsEveryOption() async {
        let help = spec.helpText
        for name in ["-o, --output OUT", "--flag", "--tag T", "-h, --help", "Usage: pgo demo [options] FILE..."] {
            #expect(help.contains(name), "\(name)")
        }
    }
}

@Suite struct ToolTests {
    @Test func helpEverywhereExitsZero() async {
        for arguments in [["--help"], ["help"], ["-h"], ["help", "merge"], ["merge", "--help"], ["inspect", "-h"],
                          ["convert", "--help"], ["fetch", "--help"], ["collect", "--help"], ["upload", "--help"], ["list", "--help"], ["get", "--help"], ["delete", "--help"], ["prune", "--help"]] {
            let (status, output) = await pgo(arguments)
            #expect(status == 0, "\(arguments)")
            #expect(output.stdout.contains("Usage: pgo"), "\(arguments)")
        }
        #expect(await pgo(["--version"]).output.stdout == "pgo \(PGOTool.version)\n")
    }

    @Test func usageErrorsExitTwo() async {
        for arguments in [[], ["frobnicate"], ["merge", "profiles/small-1.pb.gz"], ["merge", "-o", "x"], ["merge", "--bogus"],
                          ["merge", "--for", "rust", "-o", "x", "a"], ["inspect"], ["inspect", "a", "b"], ["merge", "-j", "0", "-o", "x", "a"],
                          ["list", "--store", "/tmp"], ["list", "--service", "api"], ["delete", "--store", "/tmp", "--service", "api"],
                          ["list", "--store", "/tmp", "--service", "api", "--since", "yesterday"],
                          ["list", "--store", "/tmp", "--service", "api", "--since", "1h", "--from", "0"],
                          ["list", "--store", "/tmp", "--service", "api", "--from", "2026-01-02T00:00:00Z", "--to", "2026-01-01T00:00:00Z"],
                          ["get", "--store", "/tmp", "--service", "api"], ["prune", "--store", "/tmp", "--service", "api", "--older-than", "soon"],
                          ["list", "--store", "/tmp", "--service", "api", "--layout", "minio"], ["upload", "--store", "/tmp", "--service", "api"]] {
            let (status, output) = await pgo(arguments)
            #expect(status == 2, "\(arguments): \(output.stderr)")
            #expect(output.stderr.contains("error:") || output.stderr.contains("Usage:"), "\(arguments)")
        }
    }

    @Test func storeCommandsRoundTripOnALocalDirectory() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ["--store", directory + "/store", "--service", "api"]
        let bad = await pgo(["upload"] + store + ["profiles/small-1.pb.gz", "malformed/zero-id.pb.gz"])
        #expect(bad.status == 1)
        #expect(bad.output.stderr.contains("malformed/zero-id.pb.gz: invalid profile: location #4 has id 0"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/store/api"))  // nothing was sent
        let upload = await pgo(["upload"] + store + ["--at", "2026-11-25T00:00:00Z", "profiles/small-1.pb.gz"])
        #expect(upload.status == 0, "\(upload.output.stderr)")
        let list = await pgo(["list"] + store + ["--from", "2026-11-24T00:00:00Z"])
        #expect(list.output.stdout.hasPrefix("2026-11-25T00:00:00.000Z        5038  api/1795564800000-"))
        let get = await pgo(["get"] + store + ["--at", "1795564800000", "-o", directory + "/x.pb.gz"])
        #expect(get.status == 0, "\(get.output.stderr)")
        let delete = await pgo(["delete"] + store + ["--since", "3650d", "--dry-run"])
        #expect(delete.output.stdout.hasPrefix("would delete 2026-11-25T00:00:00.000Z"))
        #expect(FileManager.default.fileExists(atPath: directory + "/x.pb.gz"))
    }

    /// `pgo compact` as a cron job runs it: what it wrote, what was up to date, its summary, its
    /// refusals; then `pgo delete` of a compacted hour removes the rollup with the profiles.
    @Test func compactRollsUpCompleteHoursAndSaysWhatItDid() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ["--store", directory + "/store", "--service", "api"]
        for (file, time) in [("small-1", "10:05"), ("small-2", "10:35"), ("small-3", "11:05")] {
            let upload = await pgo(["upload"] + store + ["--at", "2026-11-25T\(time):00Z", "profiles/\(file).pb.gz"])
            #expect(upload.status == 0, "\(upload.output.stderr)")
        }
        let dry = await pgo(["compact"] + store + ["--dry-run"])
        #expect(dry.status == 0, "\(dry.output.stderr)")
        #expect(dry.output.stdout == """
            2026-11-25T10:00:00.000Z pprof: would write a 1h rollup of 2 profiles (2 new)
            2026-11-25T11:00:00.000Z pprof: would write a 1h rollup of 1 profile (1 new)

            """)
        #expect(dry.output.stderr.contains("2 periods: 2 would be written, 0 up to date"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/store/rollups"))

        let compact = await pgo(["compact"] + store + ["--delete-raw"])
        #expect(compact.status == 0, "\(compact.output.stderr)")
        #expect(compact.output.stdout.contains("2026-11-25T10:00:00.000Z pprof: wrote rollups/api/1h/1795600800000-"))
        #expect(compact.output.stderr.contains("2 periods: 2 written, 0 up to date, 0 failed; deleted 3 raw objects and 0 superseded rollups"))
        let again = await pgo(["compact"] + store)
        #expect(again.output.stdout.contains("pprof: up to date: rollups/api/1h/1795600800000-") && again.output.stderr.contains("0 written, 2 up to date"))
        let fetch = await pgo(["fetch"] + store + ["--from", "2026-11-25T00:00:00Z", "--to", "2026-11-26T00:00:00Z", "--go", directory + "/default.pgo", "--cache", "none"])
        #expect(fetch.status == 0 && fetch.output.stderr.contains("fetched 3 profiles from file://\(directory)/store in 2 objects, 2 of them rollups"), "\(fetch.output.stderr)")

        let delete = await pgo(["delete"] + store + ["--from", "2026-11-25T11:00:00Z", "--to", "2026-11-25T11:59:59Z"])
        #expect(delete.status == 0)
        #expect(delete.output.stdout.hasPrefix("deleted rollup rollups/api/1h/1795604400000-") && delete.output.stdout.contains("(2026-11-25T11:00:00.000Z, 1h, 1 profile)"))
        #expect(delete.output.stderr.contains("deleted 0 profiles and 1 rollup from"))

        let badPeriod = await pgo(["compact"] + store + ["--period", "2h"])
        #expect(badPeriod.status == 2 && badPeriod.output.stderr.contains("invalid --period '2h': use 1h or 1d"))
        let pgolib = await pgo(["compact"] + store + ["--layout", "pgolib"])
        #expect(pgolib.status == 1 && pgolib.output.stderr.contains("pgo compact needs the swift-pgo key layout"), "\(pgolib.output.stderr)")
        let help = await pgo(["compact", "--help"])
        #expect(help.status == 0 && help.output.stdout.contains("rollups/SERVICE/PERIOD/START-HASH.pb.gz"))
    }

    /// What the tool says when there is nothing, or nothing it can use: an empty listing, a time
    /// given to the second, a profile with no samples, a file that is not a profile, and the one
    /// line a fetch ends with either way.
    @Test func emptyResultsAndNonProfilesAreSaid() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ["--store", directory + "/store", "--service", "api"]
        try FileManager.default.createDirectory(atPath: directory + "/store", withIntermediateDirectories: true)
        let never = await pgo(["list"] + store)
        #expect(never.status == 0 && never.output.stdout.isEmpty)
        #expect(never.output.stderr == "service 'api' has no profiles in file://\(directory)/store\n")

        let empty = await pgo(["upload"] + store + ["--at", "2026-11-25T10:00:00.250Z", "profiles/empty.pb.gz"])
        #expect(empty.status == 0)
        #expect(empty.output.stderr.contains("warning: profiles/empty.pb.gz has no samples"))
        #expect(empty.output.stderr.contains("uploaded 1 profile to "))
        let window = await pgo(["list"] + store + ["--from", "2026-11-26T00:00:00Z", "--to", "2026-11-27T00:00:00Z"])
        #expect(window.status == 0 && window.output.stdout.isEmpty)
        #expect(window.output.stderr.contains("no profiles of service 'api' in 2026-11-26T00:00:00.000Z to 2026-11-27T00:00:00.000Z (its 1 profile run from 2026-11-25T10:00:00.250Z"))

        // inspect prints times to the second; keys hold the millisecond.
        let second = await pgo(["get"] + store + ["--at", "2026-11-25T10:00:00Z", "-o", directory + "/x.pb.gz"])
        #expect(second.status == 1)
        #expect(second.output.stderr.contains("--at needs the time to the millisecond, as 'pgo list' prints it; in that second: 2026-11-25T10:00:00.250Z"))

        let garbage = await pgo(["inspect", "malformed/garbage.bin"])
        #expect(garbage.status == 1 && garbage.output.stderr.contains("malformed/garbage.bin: not a pprof profile (gzip or protobuf)"), "\(garbage.output.stderr)")

        let fetched = await pgo(["fetch"] + store + ["--from", "2026-11-25T00:00:00Z", "--to", "2026-11-26T00:00:00Z", "--go", directory + "/out/default.pgo", "--cache", "none"])
        #expect(fetched.status == 0)
        #expect(fetched.output.stderr.hasSuffix("pgo: profile from 1 object (2026-11-25T00:00:00.000Z to 2026-11-26T00:00:00.000Z) -> \(directory)/out/default.pgo\n"), "\(fetched.output.stderr)")
        let failed = await pgo(["fetch"] + store + ["--since", "1h", "--go", directory + "/out/default.pgo", "--cache", "none"])
        #expect(failed.status == 0)
        #expect(failed.output.stderr.hasSuffix("pgo: built WITHOUT a profile: no profiles of service 'api' in file://\(directory)/store for the last 1h\n"), "\(failed.output.stderr)")
    }

    @Test func convertWritesACheckedSampleProfile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = await pgo(["convert", "-o", directory + "/app.prof", "profiles/small-1.pb.gz", "profiles/small-2.pb.gz"])
        #expect(status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("converted 2 profiles into"))
        let text = try String(contentsOfFile: directory + "/app.prof", encoding: .utf8)
        #expect(text.split(separator: "\n").first?.split(separator: ":").count == 3)
        #expect(await pgo(["convert", "--format", "binary", "-o", "x", "profiles/small-1.pb.gz"]).status == 2)
        #expect(await pgo(["convert", "-o", directory + "/bad.prof", "malformed/garbage.bin"]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.prof"))
    }

    @Test func inspectSummarizes() async {
        let (status, output) = await pgo(["inspect", "profiles/small-1.pb.gz", "--top", "3"])
        #expect(status == 0)
        for expected in ["Sample types: samples/count, cpu/nanoseconds", "Period:       10000000 cpu/nanoseconds (100 Hz)",
                         "Functions:", "Locations:", "Mappings:     3", "Top 3 functions by flat cpu/nanoseconds:"] {
            #expect(output.stdout.contains(expected), "\(expected)")
        }
        let raw = await pgo(["inspect", "--raw", "synthetic/valid.pb"])
        #expect(raw.status == 0)
        #expect(raw.output.stdout.hasPrefix("sample types: samples/count cpu/nanoseconds\n"))
    }

    @Test func badInputExitsOneNamingTheFile() async {
        let (status, output) = await pgo(["inspect", "malformed/zero-id.pb.gz"])
        #expect(status == 1)
        #expect(output.stderr == "error: malformed/zero-id.pb.gz: invalid profile: location #4 has id 0 (ids must be non-zero)\n")
    }

    @Test func mergeWritesAFileThatReadsBack() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/default.pgo"
        let (status, output) = await pgo(["merge", "--for", "go", "-o", out, "profiles/small-1.pb.gz", "profiles/small-2.pb.gz"])
        #expect(status == 0, "\(output.stderr)")
        #expect(output.stderr.hasPrefix("merged 2 profiles into \(out): "))
        let profile = try ProfileFile.read(out)
        #expect(profile.sampleTypes.count == 1)
        #expect(profile.mappings.isEmpty)
    }

    @Test func directoriesExpandToTheirFiles() async throws {
        let (status, output) = await pgo(["merge", "-o", "-", "profiles"])
        #expect(status == 0, "\(output.stderr)")
        #expect(output.stderr.hasPrefix("merged 8 profiles into standard output"))
        let merged = try Profile(serialized: output.stdoutBytes)
        #expect(merged.samples.count > 100)
    }

    @Test func binaryOutputIsNotWrittenToATerminal() async {
        let (status, output) = await pgo(["merge", "-o", "-", "profiles/small-1.pb.gz"], terminal: true)
        #expect(status == 1)
        #expect(output.stderr.contains("refusing to write a binary profile to a terminal"))
        #expect(output.stdoutBytes.isEmpty)
    }

    @Test func failedMergeLeavesTheExistingOutputAlone() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/default.pgo"
        try Data("previous good profile".utf8).write(to: URL(fileURLWithPath: out))
        let (status, output) = await pgo(["merge", "-o", out, "profiles/small-1.pb.gz", "malformed/garbage.bin", "malformed/empty.pb"])
        #expect(status == 1)
        #expect(output.stderr.contains("2 inputs could not be merged"))
        #expect(output.stderr.contains("malformed/garbage.bin: "))
        #expect(output.stderr.contains("malformed/empty.pb: empty input"))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous good profile")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["default.pgo"])
    }

    @Test func skipInvalidWarnsForEachSkippedFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = await pgo(["merge", "--skip-invalid", "-o", directory + "/out.pb.gz",
                                    "profiles/small-1.pb.gz", "malformed/garbage.bin", "malformed/gzip-bomb.gz"])
        #expect(status == 0)
        #expect(output.stderr.contains("warning: skipping malformed/garbage.bin: "))
        #expect(output.stderr.contains("warning: skipping malformed/gzip-bomb.gz: decompressed size exceeds the limit"))
        #expect(output.stderr.contains("merged 1 profiles (2 skipped)"))
        let onlyBad = await pgo(["merge", "--skip-invalid", "-o", directory + "/none.pb.gz", "malformed/garbage.bin"])
        #expect(onlyBad.status == 1)
        #expect(onlyBad.output.stderr.contains("none of the 1 inputs could be read"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/none.pb.gz"))
    }

    @Test func incompatibleInputsFailEvenWithSkipInvalid() async throws {
        // A profile with other sample types, built here.
        var p = Profile()
        p.stringTable = ["", "alloc_space", "bytes", "f"]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.functions = [Function(id: 1, name: 3, startLine: 1)]
        p.locations = [Location(id: 1, address: 1, lines: [Line(functionID: 1, line: 2)])]
        p.samples = [Sample(locationIDs: [1], values: [5])]
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(p.serialized(), to: directory + "/heap.pb.gz")
        let (status, output) = await pgo(["merge", "--skip-invalid", "-j", "1", "-o", directory + "/o.pb.gz",
                                    fixtures + "/profiles/small-1.pb.gz", directory + "/heap.pb.gz"])
        #expect(status == 1)
        #expect(output.stderr.contains("heap.pb.gz: sample types [alloc_space/bytes] do not match [samples/count cpu/nanoseconds]"))
    }
}

/// Extreme times, durations and timeouts are usage errors naming the flag and the range, never a
/// trap (issue 11: `Double value cannot be converted to Int64`).
@Suite struct ExtremeValueTests {
    @Test(arguments: [
        (["upload", "--at", "9223372036854775807", "profiles/small-1.pb.gz"], "--at"),
        (["get", "--at", "9223372036854775807", "-o", "x.pb.gz"], "--at"),
        (["delete", "--at", "9223372036854775807"], "--at"),
        (["upload", "--at", "9999-12-31T00:00:00Z", "profiles/small-1.pb.gz"], "--at"),
        (["upload", "--at", "1969-12-31T23:59:59Z", "profiles/small-1.pb.gz"], "--at"),
        (["list", "--to", "9223372036854775807"], "--to"),
        (["fetch", "--to", "9223372036854775807", "--go", "x.pgo"], "--to"),
        (["list", "--since", "1000000000000d"], "--since"),
        (["fetch", "--since", "1000000000000d", "--go", "x.pgo"], "--since"),
        (["prune", "--older-than", "1000000000000d"], "--older-than"),
        (["list", "--timeout", "inf"], "--timeout"),
        (["list", "--timeout", "1e308"], "--timeout"),
        (["list", "--timeout", "99999999999999999999"], "--timeout"),
        (["collect", "--from-url", "http://127.0.0.1:1/debug/pprof/profile", "--interval", "1000000000000d"], "--interval"),
        (["collect", "--from-url", "http://127.0.0.1:1/debug/pprof/profile", "--timeout", "inf"], "--timeout"),
    ])
    func isAUsageError(arguments: [String], option: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = await pgo([arguments[0], "--store", directory + "/store", "--service", "api"] + arguments.dropFirst())
        #expect(status == 2, "\(output.stderr)")
        #expect(output.stderr.contains(option), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/store/api"), "nothing is written")
    }

    @Test func aTimeoutInTheSettingsFileIsChecked() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try #"{"store": "store", "service": "api", "go": "x.pgo", "timeout": 1e308}"#.write(toFile: directory + "/.pgo.json", atomically: true, encoding: .utf8)
        let (status, output) = await pgo(["fetch"], in: directory)
        #expect(status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("--timeout"), "\(output.stderr)")
    }

    @Test func aProfileWhoseOwnTimeIsOutsideTheKeySpaceIsNotUploaded() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // No time of its own, and a modification time before 1970: no key can hold it.
        var profile = try Profile(serialized: try fixtureBytes("small-1.pb.gz"))
        profile.timeNanos = 0
        try AtomicFile.write(profile.serialized(), to: directory + "/far.pb")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: -86_400)], ofItemAtPath: directory + "/far.pb")
        let (status, output) = await pgo(["upload", "--store", directory + "/store", "--service", "api", "far.pb"], in: directory)
        #expect(status == 1, "\(output.stderr)")
        #expect(output.stderr.contains("far.pb: its time"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/store/api"))
    }
}

/// `--verbose` shows the endpoint without the password of its userinfo (issue 11).
@Suite struct EndpointSecretTests {
    @Test func verboseRedactsEndpointUserinfo() async {
        let environment = ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "HOME": "/nonexistent"]
        let (status, output) = await pgo(
            ["list", "--verbose", "--store", "s3://b/p", "--service", "api", "--endpoint", "http://u:SECRET@127.0.0.1:1", "--timeout", "1"],
            environment: environment)
        #expect(status == 1, "\(output.stderr)")
        #expect(output.stderr.contains("endpoint http://u:***@127.0.0.1:1"), "\(output.stderr)")
        #expect(!output.stderr.contains("SECRET"), "\(output.stderr)")
    }

    @Test func anInvalidPortIsOneUsageErrorNotRetries() async {
        let environment = ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "HOME": "/nonexistent"]
        let (status, output) = await pgo(["list", "--store", "s3://b/p", "--service", "api", "--endpoint", "http://127.0.0.1:99999"], environment: environment)
        #expect(status == 1, "\(output.stderr)")
        #expect(output.stderr.contains("port 99999 is out of range"), "\(output.stderr)")
        #expect(!output.stderr.contains("attempts"), "\(output.stderr)")
    }
}
