import Foundation
import Testing

/// The real programs tests check against (Go, SeaweedFS, moto, the aws CLI, perf), and the one
/// policy for when one is missing: the test is skipped, visibly (`.enabled(if:)` with the reason
/// in the test report), unless `PGO_REQUIRE_PEERS=1` (set by `.ci/run`), which makes it run and
/// fail on the missing peer. Peers are found in `.build-peers/` (what `.ci/install-peers`
/// installs) first, then through the peer's variable, then on PATH, so a machine's own older
/// copies (another moto in the system python3, say) are never picked over the pinned ones.
public struct Peer: Sendable {
    public let name: String
    /// The executable, when found and usable.
    public let path: String?
    /// Why it is not usable, and how to get it.
    public let problem: String

    /// Whether every skip is a failure instead (`PGO_REQUIRE_PEERS=1`).
    public static let required = ProcessInfo.processInfo.environment["PGO_REQUIRE_PEERS"] == "1"

    /// For `.enabled(if:)`: found, or required (the test then fails in `require()`).
    public var shouldRun: Bool { path != nil || Self.required }

    /// The skip reason shown in the test report.
    public var skipComment: Comment { Comment(rawValue: "\(name) is not available: \(problem) (set PGO_REQUIRE_PEERS=1 to fail instead)") }

    /// The executable, or a recorded failure naming what is missing.
    public func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(path, "\(name) is required (PGO_REQUIRE_PEERS=1) but not available: \(problem)", sourceLocation: sourceLocation)
    }

    public init(name: String, executable: String, variable: String?, install: String, usable: (String) -> Bool = { _ in true }) {
        self.name = name
        var candidates = [Fixtures.inPackage(".build-peers/venv/bin/" + executable)]
        let environment = ProcessInfo.processInfo.environment
        if let variable, let value = environment[variable], !value.isEmpty { candidates.append(value) }
        let names = executable == "python" ? ["python", "python3"] : [executable]
        candidates += (environment["PATH"] ?? "").split(separator: ":").flatMap { directory in names.map { "\(directory)/\($0)" } }
        let found = candidates.filter { FileManager.default.isExecutableFile(atPath: $0) }
        path = found.first(where: usable)
        problem = found.isEmpty
            ? "no \(executable) in .build-peers/, \(variable.map { "$\($0)" } ?? "its variable") or PATH; \(install)"
            : "\(found.joined(separator: ", ")) cannot be used; \(install)"
    }

    static let installHint = "run .ci/install-peers (then `source .build-peers/env.sh`)"

    public static let go = Peer(name: "Go", executable: "go", variable: "GO", install: installHint)
    public static let weed = Peer(name: "SeaweedFS", executable: "weed", variable: "PGO_WEED", install: installHint)
    public static let aws = Peer(name: "the aws CLI", executable: "aws", variable: "PGO_AWS", install: installHint)
    /// A python with the moto server (5.2.5 or later, as .ci/install-peers pins it: 5.2.1 rejects valid
    /// signatures on ListObjectsV2) and boto3; a machine's other moto (older, or without its server
    /// extras) is a skip, not a failure.
    public static let motoPython = Peer(
        name: "moto", executable: "python", variable: "PGO_PYTHON", install: "needs moto[server] >= 5.2.5 and boto3; " + installHint
    ) { python in
        let check = "import moto, moto.server, flask, boto3; assert tuple(int(p) for p in moto.__version__.split('.')[:3]) >= (5, 2, 5)"
        return (try? runProgram(python, ["-c", check]))?.status == 0
    }
    /// A python with botocore, the second SigV4 signer.
    public static let botocorePython = Peer(name: "botocore", executable: "python", variable: "PGO_PYTHON", install: installHint) { python in
        (try? runProgram(python, ["-c", "import botocore"]))?.status == 0
    }
    /// Linux perf, whose `perf record -e cpu-clock` works here.
    public static let perf = Peer(name: "Linux perf", executable: "perf", variable: "PERF", install: "install Debian's linux-perf") { perf in
        (try? runProgram(perf, ["--version"]))?.status == 0
    }
}

extension Peer {
    /// elfutils' debuginfod server, which serves symbol files by build ID.
    public static let debuginfod = Peer(name: "debuginfod", executable: "debuginfod", variable: "PGO_DEBUGINFOD", install: "install Debian's debuginfod") { server in
        (try? runProgram(server, ["--version"]))?.status == 0
    }

    /// Headless Chromium (Debian's chromium), which renders `pgo report`'s page.
    public static let chromium = Peer(name: "Chromium", executable: "chromium", variable: "PGO_CHROMIUM", install: "install Debian's chromium") { chromium in
        (try? runProgram(chromium, ["--version"]))?.status == 0
    }

    /// Any python3 (the stand-in servers need only the standard library).
    public static let python = Peer(name: "python3", executable: "python", variable: "PGO_PYTHON", install: "install python3")
}
