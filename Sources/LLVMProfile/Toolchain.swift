import Foundation

/// The LLVM tools whose formats change with the toolchain, found next to the `swiftc` in use
/// (never an older system copy): `$SWIFTC`, else `swiftc` on PATH, with symlinks resolved.
public enum Toolchain {
    public static func swiftc(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit = environment["SWIFTC"], FileManager.default.isExecutableFile(atPath: explicit) { return explicit }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/swiftc"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `TOOL` in the directory of the real `swiftc`, or nil.
    public static func tool(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let swiftc = swiftc(environment: environment) else { return nil }
        let real = URL(fileURLWithPath: swiftc).resolvingSymlinksInPath()
        let candidate = real.deletingLastPathComponent().appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }
}
