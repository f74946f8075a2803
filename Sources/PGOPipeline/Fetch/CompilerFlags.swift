import Foundation

/// The flags that hand a profile to each compiler, written as files the build reads.
///
/// Flags never point at a missing or empty profile (swiftc makes that a hard error): with no
/// profile, every file is still written, with no flags in it, so the build runs without PGO.
public struct CompilerFlags: Sendable, Equatable {
    /// Absolute path of the merged profile for `go build -pgo`, if one was written.
    public var goProfile: String?
    /// Absolute path of an LLVM sample profile (`-profile-sample-use`), if one was written.
    public var llvmSampleProfile: String?
    /// Absolute path of an instrumented `.profdata` (`-profile-use`), if one was written.
    public var llvmInstrumentedProfile: String?

    public init(goProfile: String? = nil, llvmSampleProfile: String? = nil, llvmInstrumentedProfile: String? = nil) {
        self.goProfile = goProfile
        self.llvmSampleProfile = llvmSampleProfile
        self.llvmInstrumentedProfile = llvmInstrumentedProfile
    }

    public var go: [String] { goProfile.map { ["-pgo=\($0)"] } ?? [] }

    public var swiftc: [String] {
        if let path = llvmSampleProfile { return ["-profile-sample-use=\(path)"] + Self.swiftcFreshCodegen }
        if let path = llvmInstrumentedProfile { return ["-profile-use=\(path)"] + Self.swiftcFreshCodegen }
        return []
    }

    /// swiftc 6.3.1 keeps an existing object file when the new compile's pre-optimization IR
    /// hashes the same (`.swift_modhash`), and the hash does not cover the profile: without this,
    /// a rebuild with a new profile silently keeps the old code.
    static let swiftcFreshCodegen = ["-Xfrontend", "-disable-incremental-llvm-codegen"]

    public var clang: [String] {
        if let path = llvmSampleProfile { return ["-fprofile-sample-use=\(path)"] }
        if let path = llvmInstrumentedProfile { return ["-fprofile-use=\(path)"] }
        return []
    }

    /// The files to write under the flags directory, by name.
    public func files() -> [(name: String, contents: String)] {
        // SwiftPM rejects a tool with an empty extraCLIOptions, so without flags the toolset names no tool.
        var toolset: [String: Any] = ["schemaVersion": "1.0"]
        if !swiftc.isEmpty { toolset["swiftCompiler"] = ["extraCLIOptions": swiftc] }
        let toolsetJSON = (try? JSONSerialization.data(withJSONObject: toolset, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
        let env = [
            "PGO_GO_FLAGS": go.joined(separator: " "),
            "PGO_SWIFTC_FLAGS": swiftc.joined(separator: " "),
            "PGO_CLANG_FLAGS": clang.joined(separator: " "),
            "PGO_PROFILE_GO": goProfile ?? "",
            "PGO_PROFILE_LLVM": llvmSampleProfile ?? llvmInstrumentedProfile ?? "",
        ]
        return [
            // `swift build --toolset FILE`: reaches every Swift compile, dependencies included.
            ("swiftpm-toolset.json", toolsetJSON),
            // `swift build $(cat FILE)`.
            ("swiftc-args.txt", swiftc.map { "-Xswiftc \($0)" }.joined(separator: " ") + "\n"),
            // `go build $(cat FILE)`.
            ("go.flags", go.joined(separator: " ") + "\n"),
            // `clang $(cat FILE)`.
            ("clang.flags", clang.joined(separator: " ") + "\n"),
            // `. FILE` in a shell.
            ("pgo.env", env.sorted { $0.key < $1.key }.map { "export \($0.key)=\(shellQuoted($0.value))" }.joined(separator: "\n") + "\n"),
        ]
    }

    /// Lines for `$GITHUB_OUTPUT`.
    public func githubOutputs(profileCount: Int) -> String {
        [
            "go-flags=\(go.joined(separator: " "))",
            "swiftc-flags=\(swiftc.joined(separator: " "))",
            "clang-flags=\(clang.joined(separator: " "))",
            "go-profile=\(goProfile ?? "")",
            "profiles=\(profileCount)",
        ].joined(separator: "\n") + "\n"
    }
}

func shellQuoted(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
