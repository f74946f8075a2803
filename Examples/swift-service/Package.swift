// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Service",
    dependencies: [
        // swift-pgo: the agent that profiles this service in production.
        .package(url: "https://github.com/swift-pgo/swift-pgo.git", from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "Service",
            dependencies: [
                .product(name: "PGOAgent", package: "swift-pgo"),
                .product(name: "ProfileStore", package: "swift-pgo"),
            ])
    ]
)
