import Foundation
import ProfileStore

/// What `pgo fetch` is asked to do, from flags and `.pgo.json`.
public struct FetchOptions: Sendable, Equatable {
    public var store: String
    public var service: String
    public var window: TimeWindow
    public var windowDescription: String
    public var selection: ProfileSelection = .all
    /// Where to write the merged profile for `go build -pgo`.
    public var goOutput: String?
    /// Where to write an LLVM profile for swiftc and clang: a sample profile from pprof objects, or
    /// a merged `.profdata` when the window holds instrumented ones.
    public var llvmOutput: String?
    /// Binaries to symbolize address-only profiles against (for the LLVM profile), matched to
    /// the window's builds by build ID; the others' symbols come from the store and debuginfod.
    public var binaries: [String] = []
    /// debuginfod servers to ask for symbol files the store does not have (`DEBUGINFOD_URLS`).
    public var debuginfodURLs: [URL] = []
    /// Where to write compiler flags.
    public var flagsDirectory: String?
    /// Where to write the manifest (default: the flags directory's manifest.json, else next to the output).
    public var manifest: String?
    /// Download cache; nil disables it.
    public var cacheDirectory: String?
    /// The build's source root: instrumented profiles recorded from sources elsewhere are reported.
    public var sourceRoot: String?
    /// A GitHub Actions step-output file (`$GITHUB_OUTPUT`) to append the flags to.
    public var githubOutput: String?
    /// A GitHub Actions job summary file (`$GITHUB_STEP_SUMMARY`) to append what the fetch did to, as Markdown.
    public var githubStepSummary: String?
    public var strict = false
    public var concurrency = 8
    /// How long everything before the outputs may take, in seconds (default 10 minutes): a fetch
    /// that has not finished by then fails (open, unless strict), so a build is never held up.
    public var deadline: TimeInterval = 600

    public init(store: String, service: String, window: TimeWindow, windowDescription: String) {
        self.store = store
        self.service = service
        self.window = window
        self.windowDescription = windowDescription
    }

    /// Where the manifest goes when not given.
    public var manifestPath: String? {
        if let manifest { return manifest }
        if let flagsDirectory { return flagsDirectory + "/manifest.json" }
        if let output = goOutput ?? llvmOutput { return output + ".manifest.json" }
        return nil
    }

    /// The default cache: `$XDG_CACHE_HOME/swift-pgo`, else `~/.cache/swift-pgo`.
    public static func defaultCacheDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/swift-pgo" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/swift-pgo" }
        return nil
    }
}
