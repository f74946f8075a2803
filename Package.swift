// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-pgo",
    products: [
        // The pprof engine: decode, validate, merge, trim and encode pprof profiles.
        .library(name: "Pprof", targets: ["Pprof"]),
        // The `pgo` command-line tool.
        .executable(name: "pgo", targets: ["pgo"]),
        // `swift package pgo COMMAND ...`: the tool, run in the package directory.
        .plugin(name: "PGOCommand", targets: ["PGOCommand"]),
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
        .plugin(
            name: "PGOCommand",
            capability: .command(
                intent: .custom(verb: "pgo", description: "Run the pgo tool (merge, inspect, ...) in the package directory."),
                permissions: [.writeToPackageDirectory(reason: "pgo writes merged profiles such as default.pgo into the package.")]
            ),
            dependencies: ["pgo"]
        ),
        .testTarget(name: "PprofTests", dependencies: ["Pprof"]),
        .testTarget(name: "PGOCommandLineTests", dependencies: ["PGOCommandLine", "Pprof"]),
    ],
    swiftLanguageModes: [.v6]
)
