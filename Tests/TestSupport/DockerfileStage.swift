import Foundation
import Testing

/// One stage of an Examples/ Dockerfile, run without a Docker engine by `dockerfile_stage.py`:
/// its RUN steps as /bin/sh scripts in a directory that stands for the stage's file system, its
/// COPY steps as copies, and its Debian packages checked against the archive, not installed.
public struct DockerfileStage {
    public struct Summary: Decodable, Sendable {
        public var root: String
        public var packages: [String]
        public struct Run: Decodable, Sendable {
            public var line: Int
            public var script: String
            public var status: Int32
        }
        public var runs: [Run]
    }

    public static let runner = Fixtures.inPackage("Tests/TestSupport/dockerfile_stage.py")

    /// Runs `stage` of `dockerfile` into `root`; `from` gives the files of the stages (or images)
    /// it copies from. The run's output, and its summary when it printed one.
    public static func run(
        _ dockerfile: String, stage: String, root: String, context: String? = nil, buildArgs: [String: String] = [:],
        from: [String: String] = [:], rewrites: [String: String] = [:], environment: [String: String] = [:]
    ) throws -> (run: ProgramRun, summary: Summary?) {
        let python = try Peer.python.require()
        var arguments = [runner, dockerfile, "--stage", stage, "--root", root]
        if let context { arguments += ["--context", context] }
        for (key, value) in buildArgs.sorted(by: { $0.key < $1.key }) { arguments += ["--build-arg", "\(key)=\(value)"] }
        for (key, value) in from.sorted(by: { $0.key < $1.key }) { arguments += ["--from", "\(key)=\(value)"] }
        for (key, value) in rewrites.sorted(by: { $0.key < $1.key }) { arguments += ["--rewrite", "\(key)=\(value)"] }
        let run = try runProgram(python, arguments, environment: environment)
        let last = run.output.split(separator: "\n").last.map(String.init) ?? ""
        return (run, try? JSONDecoder().decode(Summary.self, from: Data(last.utf8)))
    }

    /// The Debian packages `packages` need, with theirs, recursively (`apt-cache depends`), plus
    /// the packages every Debian image has (priority required, as installed here).
    public static func closure(of packages: [String]) throws -> Set<String> {
        let depends = try runProgram("/usr/bin/apt-cache", [
            "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
        ] + packages)
        var names = Set(depends.output.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("<") }.map { String($0) })
        let required = try runProgram("/usr/bin/dpkg-query", ["-W", "-f", "${Package} ${Priority}\n"]).output
        for line in required.split(separator: "\n") where line.hasSuffix(" required") { names.insert(String(line.split(separator: " ")[0])) }
        return names
    }

    /// The libraries `binary` loads whose package is not in `available` (or that no package
    /// holds), each with its package: empty when a stage with those packages can run it.
    public static func librariesNotProvided(by available: Set<String>, to binary: String) throws -> [String] {
        try libraryPackages(of: binary).filter { $0.package.map(available.contains) != true }.map { "\($0.library) (\($0.package ?? "no package"))" }
    }

    /// The shared libraries `binary` loads, each with the Debian package that holds it (nil: none).
    public static func libraryPackages(of binary: String) throws -> [(library: String, package: String?)] {
        let ldd = try runChecked("/usr/bin/ldd", [binary]).output
        return try ldd.split(separator: "\n").compactMap { line -> (String, String?)? in
            guard let arrow = line.range(of: "=> ") else { return nil }
            let path = String(line[arrow.upperBound...].prefix { $0 != " " })
            guard path.hasPrefix("/") else { return nil }
            // dpkg knows a library by the path its package installed (/usr/lib/..., the versioned name).
            let real = try runChecked("/usr/bin/readlink", ["-f", path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            let owner = try runProgram("/usr/bin/dpkg", ["-S", real])
            let fallback = owner.status == 0 ? owner : try runProgram("/usr/bin/dpkg", ["-S", path])
            let package = fallback.status == 0 ? fallback.output.split(separator: ":").first.map(String.init) : nil
            return (path, package)
        }
    }
}
