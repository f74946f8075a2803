import Foundation
import PGOSystem
import TestSupport
import Testing

/// What the pgo image's build stage runs (`Examples/pgo-image/build-pgo.sh`, also the GitHub
/// action's build step): a release pgo with the Swift runtime linked in, which needs only libc,
/// libcurl, libxml2 and zlib from the system, and does what the debug pgo does.
@Suite struct PgoImageTests {
    /// The development files a static Swift runtime links against.
    static let missingLibraries = ["curl", "xml2", "z"].filter { name in
        !["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"].contains { FileManager.default.fileExists(atPath: "\($0)/lib\(name).so") }
    }
    static let canBuild = missingLibraries.isEmpty || Peer.required

    @Test(.enabled(if: canBuild, "lib\(missingLibraries.joined(separator: ".so, lib")).so missing: install libcurl4-openssl-dev, libxml2-dev and zlib1g-dev (.ci/install-peers does)"))
    func theImagesBuildStepMakesAPgoWithTheSwiftRuntimeInside() throws {
        try #require(Self.missingLibraries.isEmpty, "lib\(Self.missingLibraries.joined(separator: ".so, lib")).so missing: install libcurl4-openssl-dev and libxml2-dev")
        let debugPGO = try #require(RecipeTests.pgoDirectory, "the pgo executable was not built next to the tests") + "/pgo"
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Its own build directory: the one `swift test` uses is locked while the tests run.
        let build = try runProgram(
            "/bin/bash", [RecipeTests.root + "/Examples/pgo-image/build-pgo.sh", directory + "/out"], in: directory,
            environment: ProcessInfo.processInfo.environment.merging(["PGO_SCRATCH": directory + "/scratch"]) { $1 }
        ).statusAndOutput
        try #require(build.status == 0, "\(build.output)")
        let pgo = directory + "/out/pgo"
        #expect(build.output.contains("pgo "), "it prints the built pgo's version: \(build.output)")

        let libraries = try runProgram("/usr/bin/ldd", [pgo]).statusAndOutput
        #expect(libraries.status == 0)
        for swiftLibrary in ["libswiftCore", "libFoundation", "libdispatch"] {
            #expect(!libraries.output.contains(swiftLibrary), "\(swiftLibrary) is linked in, not loaded: \(libraries.output)")
        }
        #expect(libraries.output.contains("libcurl") && libraries.output.contains("libxml2"))

        // The same merge as the debug build, byte for byte.
        let inputs = ["small-1", "small-2", "large"].map { Fixtures.path("profiles/\($0).pb.gz") }
        let shipped = try runProgram(pgo, ["merge", "--for", "go", "-o", directory + "/a.pgo"] + inputs).statusAndOutput
        let debug = try runProgram(debugPGO, ["merge", "--for", "go", "-o", directory + "/b.pgo"] + inputs).statusAndOutput
        #expect(shipped.status == 0 && debug.status == 0, "\(shipped.output) \(debug.output)")
        #expect(try BoundedFile.read(directory + "/a.pgo") == BoundedFile.read(directory + "/b.pgo"))
    }
}
