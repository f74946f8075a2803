// agent-demo: the Benchmarks workload under the swift-pgo agent, as a Swift service would run it.
//
//   agent-demo --store URL --service NAME --interval 2s --duration 1s --seconds N
//
// Profiles go to the store while the workload runs; after N seconds the profiler is cancelled,
// its last profiles are saved, and it exits 0. `pgo list` then shows about N/interval profiles, and
// `pgo fetch --llvm FILE --binary <this binary>` turns them into a sample profile.
import Foundation
import PGOAgent
import PGOCommandLine
import ProfileStore
import WorkloadCore

let spec = CommandSpec(
    name: "agent-demo",
    summary: "Run a CPU-bound workload under the swift-pgo profiling agent, uploading profiles to a store.",
    positionals: "",
    options: StoreArguments.options + [
        OptionSpec(["--interval"], value: "DURATION", help: "Time between profile starts (default 2s)."),
        OptionSpec(["--duration"], value: "DURATION", help: "Length of each CPU profile (default 1s)."),
        OptionSpec(["--seconds"], value: "N", help: "Run the workload for N seconds, then stop (default 10)."),
        OptionSpec(["--scale"], value: "S", help: "Instead of --seconds: run the workload once at SCALE S (fixed work, for benchmarks)."),
        OptionSpec(["--seed"], value: "SEED", help: "The workload's seed (default 42)."),
        OptionSpec(["--frequency"], value: "HZ", help: "Samples per second of CPU time (default 100)."),
        OptionSpec(["--mode"], value: "MODE", help: "cpu (default) or instrumented (for a -profile-generate build)."),
        OptionSpec(["--no-symbols"], help: "Do not upload this executable's symbol file to the store's buildid/ area (the agent does by default)."),
        OptionSpec(["--no-agent"], help: "Run the workload without the agent (the baseline of the overhead benchmark)."),
    ],
    discussion: """
        Prints the workload's checksum and, on standard error, the wall and CPU time and the profiler's errors.
        Exit status: 0 success, 1 failure, 2 usage error.
        """,
    program: "")

func seconds(_ arguments: ParsedArguments, _ name: String, default fallback: Double) throws -> Double {
    guard let text = arguments.value(name) else { return fallback }
    guard let value = parseDuration(text), value > 0 else { throw UsageError("\(name) '\(text)' is not a duration such as 2s or 500ms") }
    return value
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
}

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("agent-demo: \(message)\n".utf8))
    exit(status)
}

let arguments: ParsedArguments
do { arguments = try spec.parse(Array(CommandLine.arguments.dropFirst())) } catch {
    fail("\(error.message)\nUsage: \(spec.usage)", status: 2)
}
if arguments.wantsHelp {
    print(spec.helpText)
    exit(0)
}

let withAgent = !arguments.has("--no-agent")
let profiler: Profiler?
let seed: UInt64
let runSeconds: Double
let fixedScale: Int?
do {
    seed = UInt64(arguments.value("--seed") ?? "42") ?? 42
    // --seconds N: a plain number of seconds, or a duration such as 90s or 2m.
    runSeconds = try arguments.value("--seconds").flatMap { Double($0) }.map { value in
        guard value > 0 else { throw UsageError("--seconds must be positive") }
        return value
    } ?? seconds(arguments, "--seconds", default: 10)
    fixedScale = try arguments.value("--scale").map { _ in try arguments.integer("--scale", default: 1, range: 1...10_000) }
    if withAgent {
        let mode: Profiler.Mode
        switch arguments.value("--mode") ?? "cpu" {
        case "cpu": mode = .cpu
        case "instrumented": mode = .instrumented
        case let other: throw UsageError("unknown --mode '\(other)' (known: cpu, instrumented)")
        }
        let context = CommandContext.standard
        profiler = Profiler(
            store: try StoreArguments.open(arguments, context: context), service: try StoreArguments.service(arguments),
            interval: .milliseconds(Int(try seconds(arguments, "--interval", default: 2) * 1000)),
            duration: .milliseconds(Int(try seconds(arguments, "--duration", default: 1) * 1000)),
            frequency: try arguments.integer("--frequency", default: 100, range: 1...1000), mode: mode,
            symbols: arguments.has("--no-symbols") ? .none : .upload)
    } else {
        profiler = nil
    }
} catch let error as UsageError {
    fail("\(error.message)\nUsage: \(spec.usage)", status: 2)
} catch {
    fail("\(error)", status: 1)
}

// Detached: top-level code runs on the main actor, which the workload below keeps busy.
let profiling = Task.detached {
    guard let profiler else { return }
    let reporting = Task.detached {
        for await error in profiler.errors { FileHandle.standardError.write(Data("agent-demo: profiler: \(error)\n".utf8)) }
    }
    await profiler.run()
    reporting.cancel()
}

let started = Date()
let cpuAtStart = cpuSeconds()
var rounds = 0
var checksum = ""
do {
    if let fixedScale {
        checksum = try runWorkload(seed: seed, scale: fixedScale).checksum
        rounds = 1
    } else {
        // A tenth of SCALE 1 per round, so that the run ends close to --seconds.
        repeat {
            checksum = try runWorkload(seed: seed &+ UInt64(rounds), frontEndRounds: 150, interpreterRounds: 500).checksum
            rounds += 1
        } while Date().timeIntervalSince(started) < runSeconds
    }
} catch {
    fail("\(error)", status: 1)
}
let wall = Date().timeIntervalSince(started)
let cpu = cpuSeconds() - cpuAtStart
profiling.cancel()
await profiling.value
print("checksum: \(checksum)")
FileHandle.standardError.write(Data(String(
    format: "agent-demo: %d workload rounds in %.2f s wall, %.2f s CPU%@\n", rounds, wall, cpu, withAgent ? " (with the agent)" : "").utf8))
