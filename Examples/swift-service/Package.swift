// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Service",
    dependencies: [.package(path: "../..")],  // swift-pgo; from a registry or Git URL in a real service
    targets: [.executableTarget(name: "Service")]
)
