// swift-tools-version: 6.0
// A CPU-bound workload for measuring PGO (Benchmarks/swift-pgo-loop.sh): a generated program in a
// small language, tokenized, parsed and interpreted. Standard library only. The swift-pgo package
// also builds WorkloadCore into its `agent-demo`, which runs it under the profiling agent.
import PackageDescription

let package = Package(
    name: "Workload",
    targets: [
        .target(name: "WorkloadCore", path: "Sources/WorkloadCore"),
        .executableTarget(name: "Workload", dependencies: ["WorkloadCore"], path: "Sources/Workload"),
    ]
)
