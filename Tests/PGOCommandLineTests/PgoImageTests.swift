import Foundation
import PGOSystem
import TestSupport
import Testing

/// What the pgo image's build stage runs (`Examples/pgo-image/build-pgo.sh`, also the GitHub
/// action's build step): a release pgo with the Swift runtime linked in, which needs only libc,
/// libcurl, libxml2 and zlib from the system, and does what the debug pgo does.
@Suite struct PgoImageTests {
    /// The binary the build step made: `.ci/run` runs the step before the tests (a release build
    /// beside them would starve the tests that have time limits) and names it here.
    static let shipped = ProcessInfo.processInfo.environment["PGO_SHIPPED_PGO"].flatMap { $0.isEmpty ? nil : $0 }

    @Test(.enabled(
        if: shipped != nil || Peer.required,
        "no PGO_SHIPPED_PGO: run Examples/pgo-image/build-pgo.sh DIR (needs libcurl4-openssl-dev and libxml2-dev) and set PGO_SHIPPED_PGO=DIR/pgo; .ci/run does"))
    func theImagesBuildStepMakesAPgoWithTheSwiftRuntimeInside() throws {
        let pgo = try #require(Self.shipped, "PGO_SHIPPED_PGO is not set: .ci/run builds the shipped pgo before the tests")
        try #require(FileManager.default.isExecutableFile(atPath: pgo), "PGO_SHIPPED_PGO=\(pgo) is not an executable")
        let debugPGO = try #require(RecipeTests.pgoDirectory, "the pgo executable was not built next to the tests") + "/pgo"
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let version = try runProgram(pgo, ["--version"]).statusAndOutput
        #expect(version.status == 0 && version.output.hasPrefix("pgo "), "\(version.output)")

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
