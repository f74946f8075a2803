import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof

/// `pgo import --perf-script`: Linux perf samples into the store's format (pprof), tied to the
/// exact binary by its ELF build ID so that `pgo convert --binary` can symbolize them.
public enum ImportCommand: Command {
    public static let spec = CommandSpec(
        name: "import",
        summary: "Import a Linux perf capture (perf script output) as a pprof CPU profile.",
        positionals: "",
        options: [
            OptionSpec(["--perf-script"], value: "FILE", help: "The output of 'perf script' on a 'perf record -e cpu-clock [-g]' capture. Required."),
            OptionSpec(["--binary"], value: "BIN", help: "The profiled binary (the same build, with its symbol table). Required."),
            OptionSpec(["--dso"], value: "PATH", help: "The path perf recorded for BIN, when its file name differs from BIN's (default: any DSO with BIN's file name)."),
            OptionSpec(["-o", "--output"], value: "OUT", help: "Where to write the profile (gzip pprof); '-' for standard output. Required."),
        ],
        discussion: """
            Record the service (or a command) with the software CPU clock, which works in containers and VMs
            without hardware counters, then print the samples with perf's default fields:
              perf record -e cpu-clock -g -p PID -- sleep 30      (or: perf record -e cpu-clock -g ./server)
              perf script > server.perf
              pgo import --perf-script server.perf --binary ./server -o server.pprof
            Each perf sample becomes one pprof sample (samples/count 1, cpu/nanoseconds its period). Frames in BIN
            are placed at BIN's ELF virtual addresses from perf's symbol+offset and BIN's symbol table (or, for
            [unknown] symbols, from the load address the other frames of the same process show), in a mapping
            that carries BIN's build ID; 'pgo convert --binary BIN' then symbolizes them with llvm-symbolizer.
            Frames in other DSOs and the kernel keep perf's function names in mappings of their own.

            Call graphs (-g) give callers, which become call targets in the sample profile; without -g only the
            sampled lines count. BIN must be the binary that ran: a different build is reported, not imported.
            perf script of a system-wide capture (-a) includes every process: filter it with --pid or --comm.
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard let script = arguments.value("--perf-script") else { throw UsageError("missing --perf-script FILE") }
        guard let binary = arguments.value("--binary") else { throw UsageError("missing --binary BIN (the profiled binary)") }
        guard let output = arguments.value("--output") else { throw UsageError("missing -o OUT (use '-o -' for standard output)") }
        guard arguments.positionals.isEmpty else { throw UsageError("unexpected argument '\(arguments.positionals[0])'") }

        guard let data = FileManager.default.contents(atPath: context.resolve(script)) else {
            throw CommandError("\(script): cannot read")
        }
        let samples: [PerfSample]
        do { samples = try PerfScript.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw CommandError("\(script): \(error)")
        }
        let elf: ELFFile
        do { elf = try ELFFile(path: context.resolve(binary)) } catch { throw CommandError("\(error)") }
        if elf.buildID == nil {
            context.warn("\(binary) has no GNU build ID (link with --build-id); its profile cannot be matched to it later")
        }
        var report = PerfImportReport()
        let profile: Pprof.Profile
        do { profile = try PerfScriptImport.profile(from: samples, binary: elf, binaryDSO: arguments.value("--dso"), report: &report) } catch {
            throw CommandError("\(script): \(error)")
        }
        let bytes = profile.serialized()
        try context.writeBinary(bytes, to: output)
        if report.samplesWithoutBinaryFrame > 0 {
            context.warn("\(report.samplesWithoutBinaryFrame) of \(report.samples) samples have no frame in \(binary) (kernel, library or other processes' time)")
        }
        if report.framesDropped > 0 {
            context.warn("dropped \(report.framesDropped) frames: \(report.binaryFramesDropped) in \(binary) that could not be placed, \(report.framesWithoutDSO) without a DSO ([unknown])")
        }
        context.writeError("imported \(report.samples) samples (\(report.framesInBinary) frames in \(binary), build ID \(elf.buildID ?? "none")) into \(output == "-" ? "standard output" : output): \(formatBytes(bytes.count))\n")
    }
}
