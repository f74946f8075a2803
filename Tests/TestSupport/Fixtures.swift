import Foundation
import PGOSystem

/// Where the package and its shipped fixtures are, found once from this file's place in the tree.
public enum Fixtures {
    /// The package root (the directory of Package.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    /// `Fixtures/`.
    public static let root = packageRoot + "/Fixtures"

    /// A path under `Fixtures/`.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// A path under the package root.
    public static func inPackage(_ relative: String) -> String { packageRoot + "/" + relative }
}

/// A new empty directory of the test's own, under the system's temporary directory.
public func temporaryDirectory(_ prefix: String = "pgo-test") throws -> String {
    let path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The toolchain of the test process's environment (SWIFTC, PATH), for tests that run its tools.
public let testToolchain = Toolchain.locate(environment: ProcessInfo.processInfo.environment)
