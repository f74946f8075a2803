// swift-tools-version: 6.0
// A CPU-bound workload for measuring PGO (Benchmarks/swift-pgo-loop.sh): a generated program in a
// small language, tokenized, parsed and interpreted. Standard library only.
import PackageDescription

let package = Package(
    name: "Workload",
    targets: [
        .executableTarget(name: "Workload", path: "Sources/Workload")
    ]
)
