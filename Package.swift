// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-pgo",
    products: [
        // The pprof engine: decode, validate, merge, trim and encode pprof profiles (pure).
        .library(name: "Pprof", targets: ["Pprof"]),
        // LLVM's sample and instrumentation profile formats, pprof conversion, perf import (pure).
        .library(name: "LLVMProfile", targets: ["LLVMProfile"]),
        // Profile stores: the seed's Storage on a local directory and on S3-compatible object storage.
        .library(name: "ProfileStore", targets: ["ProfileStore"]),
        // Files, subprocesses, the toolchain's LLVM tools, HTTP: the effects the workflows are handed.
        .library(name: "PGOSystem", targets: ["PGOSystem"]),
        // The workflows behind the CLI: fetch (the pre-build step), upload, selection, retention, collection.
        .library(name: "PGOPipeline", targets: ["PGOPipeline"]),
        // The agent a Swift service links: continuous in-process CPU profiling (or instrumented
        // counters) uploaded to a profile store.
        .library(name: "PGOAgent", targets: ["PGOAgent"]),
        // The `pgo` command-line tool.
        .executable(name: "pgo", targets: ["pgo"]),
        // The Benchmarks workload under the agent: `agent-demo --store URL --service NAME --seconds N`.
        .executable(name: "agent-demo", targets: ["agent-demo"]),
        // `swift package pgo COMMAND ...`: the tool, run in the package directory.
        .plugin(name: "PGOCommand", targets: ["PGOCommand"]),
        // `swift package pgo-fetch [--build]`: the pre-build step.
        .plugin(name: "PGOFetch", targets: ["PGOFetch"]),
    ],
    targets: [
        // zlib, from the system (Debian: zlib1g-dev), for gzip framing.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // Pure: bounds-checked byte cursor, LEB128, little-endian integers, hex, ELF (segments,
        // symbols, build ID), LLVM's profile magic numbers. No I/O.
        .target(name: "BinaryFormats"),
        // The pprof engine, pure functions over values: Wire → Codec → Validation → Merge → Trim → Render.
        .target(name: "Pprof", dependencies: ["CZlib"]),
        // LLVM profile formats, pure, one folder per stage: SampleProfile/{Model,Text,ExtBinary},
        // Conversion/ (pprof → sample profile, symbolization's rebuild), Perf/ (perf script →
        // pprof), Instrumented/ (.profraw layout, the smoothing plan).
        .target(name: "LLVMProfile", dependencies: ["Pprof", "BinaryFormats"]),
        // The only effects layer: files (atomic write, bounded read, ELF mapping, scratch
        // directories), one Subprocess runner, the Toolchain and its LLVM tools (found once,
        // passed explicitly), HTTP GET, the clock, the one lock type.
        .target(name: "PGOSystem", dependencies: ["Pprof", "BinaryFormats"]),
        // Where profiles live between collection and build: Store (the protocol, windows, key
        // layouts, kinds), Local (a directory), S3 (SigV4-signed HTTP), Crypto (SHA-256, HMAC for SigV4).
        .target(name: "ProfileStore", dependencies: ["Pprof", "BinaryFormats", "PGOSystem", "CSHA256"]),
        // SHA-256's compression function on x86's SHA instructions, which ProfileStore's SHA256
        // uses when the CPU has them (every download is hashed).
        .target(name: "CSHA256"),
        // Workflows that return results and report through one Diagnostics sink: Fetch (the
        // pre-build step), Upload, Selection (the one cpu:N ranking), Retention, Collection (the
        // one schedule loop, for `pgo collect` and the agent), LLVM (symbolize, convert, check, merge).
        .target(name: "PGOPipeline", dependencies: ["Pprof", "BinaryFormats", "LLVMProfile", "PGOSystem", "ProfileStore"]),
        // The agent's signal path: a SIGPROF handler, frame-pointer walks into fixed slots (C, so
        // that nothing in it allocates or locks), and the LLVM profiling runtime's weak symbols.
        .target(name: "CPGOSampler"),
        // The agent: the sampler, and a Profiler on the Collection loop.
        .target(name: "PGOAgent", dependencies: ["CPGOSampler", "Pprof", "BinaryFormats", "PGOSystem", "ProfileStore", "PGOPipeline"]),
        // Benchmarks/Workload's workload, shared with its own package, for agent-demo.
        .target(name: "WorkloadCore", path: "Benchmarks/Workload/Sources/WorkloadCore"),
        .executableTarget(
            name: "agent-demo", dependencies: ["PGOAgent", "PGOCommandLine", "ProfileStore", "WorkloadCore"], path: "Examples/agent-demo"),
        // The commands: parse arguments, call PGOPipeline, print. Unit-tested, so `pgo` itself stays a one-liner.
        .target(name: "PGOCommandLine", dependencies: ["Pprof", "BinaryFormats", "LLVMProfile", "PGOSystem", "ProfileStore", "PGOPipeline"]),
        .executableTarget(name: "pgo", dependencies: ["PGOCommandLine"]),
        // What the plugins decide (their arguments, the toolset's flags) and their one launcher:
        // a tested target whose files the plugins share through symlinks (plugins cannot depend
        // on library targets).
        .target(name: "PGOPluginSupport"),
        .plugin(
            name: "PGOCommand",
            capability: .command(
                intent: .custom(verb: "pgo", description: "Run the pgo tool (merge, inspect, ...) in the package directory."),
                permissions: [.writeToPackageDirectory(reason: "pgo writes merged profiles such as default.pgo into the package.")]
            ),
            dependencies: ["pgo"]
        ),
        .plugin(
            name: "PGOFetch",
            capability: .command(
                intent: .custom(verb: "pgo-fetch", description: "Fetch and merge profiles from the store in .pgo.json; --build also builds with them."),
                permissions: [
                    .writeToPackageDirectory(reason: "pgo-fetch writes the merged profile, compiler flags and a manifest."),
                    .allowNetworkConnections(scope: .all(ports: []), reason: "pgo-fetch downloads profiles from the profile store."),
                ]
            ),
            dependencies: ["pgo"]
        ),
        // The tests' shared helpers: fixtures, temporary directories, the one subprocess helper,
        // and the peer policy (visible skips; PGO_REQUIRE_PEERS=1 makes them failures).
        .target(name: "TestSupport", dependencies: ["PGOSystem", "Pprof"], path: "Tests/TestSupport", exclude: ["moto_setup.py", "fault_proxy.py"]),
        .testTarget(name: "PprofTests", dependencies: ["Pprof", "PGOSystem", "TestSupport"]),
        .testTarget(name: "PGOAgentTests", dependencies: ["PGOAgent", "CPGOSampler", "LLVMProfile", "Pprof", "ProfileStore", "PGOPipeline", "PGOSystem", "BinaryFormats", "TestSupport"]),
        .testTarget(
            name: "ProfileStoreTests", dependencies: ["ProfileStore", "Pprof", "PGOSystem", "BinaryFormats", "TestSupport"],
            // Peers' helper scripts that the tests run.
            exclude: ["botocore_sign.py", "flaky_s3_server.py"]
        ),
        .testTarget(name: "LLVMProfileTests", dependencies: ["LLVMProfile", "Pprof", "BinaryFormats", "PGOSystem", "PGOPipeline", "TestSupport"]),
        .testTarget(
            name: "PGOPipelineTests", dependencies: ["PGOPipeline", "ProfileStore", "Pprof", "PGOSystem", "BinaryFormats", "TestSupport"]
        ),
        .testTarget(
            name: "PGOCommandLineTests",
            dependencies: ["PGOCommandLine", "Pprof", "ProfileStore", "PGOPipeline", "PGOSystem", "BinaryFormats", "PGOPluginSupport", "TestSupport"],
            // A Go service for `pgo collect` to profile.
            exclude: ["GoService"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
