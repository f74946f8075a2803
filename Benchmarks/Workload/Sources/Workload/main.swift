// Usage: Workload [SEED] [SCALE]   (defaults 42 and 10; run time grows linearly with SCALE)
// Prints one checksum over everything the workload computed (see WorkloadCore/Workload.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// SwiftPM builds the workload as a library and this executable; Benchmarks/swift-pgo-loop.sh
// compiles all the sources as one module.
#if canImport(WorkloadCore)
import WorkloadCore
#endif

func fail(_ message: String) -> Never {
    let line = Array("Workload: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count <= 2 else { fail("usage: Workload [SEED] [SCALE]") }
guard let seed = UInt64(arguments.first ?? "42") else { fail("SEED must be a non-negative integer") }
guard let scale = Int(arguments.dropFirst().first ?? "10"), scale > 0, scale <= 10_000 else {
    fail("SCALE must be an integer in 1...10000")
}

do {
    let result = try runWorkload(seed: seed, scale: scale)
    print("source bytes: \(result.sourceBytes), functions: \(result.functions)")
    print("checksum: \(result.checksum)")
} catch {
    fail("\(error)")
}
