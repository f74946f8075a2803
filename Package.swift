// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-pgo",
    products: [
        // The pprof engine: decode, validate, merge, trim and encode pprof profiles.
        .library(name: "Pprof", targets: ["Pprof"]),
        // The `pgo` command-line tool.
        .executable(name: "pgo", targets: ["pgo"]),
    ],
    targets: [
        // zlib, from the system (Debian: zlib1g-dev), for gzip framing.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // Pure pipeline over values: Wire → Codec → Validation → Merge → Trim → Render.
        .target(name: "Pprof", dependencies: ["CZlib"]),
        // Argument parsing and the commands; unit-tested, so `pgo` itself stays a one-liner.
        .target(name: "PGOCommandLine", dependencies: ["Pprof"]),
        .executableTarget(name: "pgo", dependencies: ["PGOCommandLine"]),
        .testTarget(name: "PprofTests", dependencies: ["Pprof"]),
        .testTarget(name: "PGOCommandLineTests", dependencies: ["PGOCommandLine", "Pprof"]),
    ],
    swiftLanguageModes: [.v6]
)
