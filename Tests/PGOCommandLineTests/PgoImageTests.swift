import Foundation
import PGOSystem
import TestSupport
import Testing

/// The pgo image (`Examples/pgo-image/Dockerfile`). Its build stage (a clone of swift-pgo at a
/// ref, then `build-pgo.sh`, also the GitHub action's build step) makes a release pgo with the
/// Swift runtime linked in, which needs only libc, libcurl, libxml2 and zlib from the system and
/// does what the debug pgo does; its runtime stage installs what that pgo loads.
@Suite struct PgoImageTests {
    /// The binary the build stage made: `.ci/run` runs the stage (with the runner of
    /// `DockerfileStage`, cloning this checkout) before the tests, since a release build beside
    /// them would starve the tests that have time limits, and names it here.
    static let shipped = ProcessInfo.processInfo.environment["PGO_SHIPPED_PGO"].flatMap { $0.isEmpty ? nil : $0 }
    static let dockerfile = RecipeTests.root + "/Examples/pgo-image/Dockerfile"

    /// The image's file system: its runtime stage run with `pgo` as the build stage's output.
    /// Other recipes' builder stages copy pgo from it, as they do from the published image.
    static func image(with pgo: String, in directory: String) throws -> (root: String, packages: [String]) {
        let build = directory + "/pgo-image-build"
        try FileManager.default.createDirectory(atPath: build + "/out", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: pgo, toPath: build + "/out/pgo")
        let (run, summary) = try DockerfileStage.run(dockerfile, stage: "1", root: directory + "/pgo-image", from: ["build": build])
        try #require(run.status == 0, "\(run.combined)")
        let image = try #require(summary, "no summary: \(run.combined)")
        return (image.root, image.packages)
    }

    /// The pgo a recipe test copies into its builder stage: the shipped one when `.ci/run` built
    /// it, else the debug build's (the recipe's steps are the same).
    static func pgoForRecipes() throws -> String {
        try shipped ?? RecipeTests.debugPGO()
    }

    @Test(.enabled(
        if: shipped != nil || Peer.required,
        "no PGO_SHIPPED_PGO: .ci/run builds the pgo image's build stage and sets it"))
    func theImagesRuntimeStageInstallsWhatPgoLoads() throws {
        let pgo = try #require(Self.shipped, "PGO_SHIPPED_PGO is not set: .ci/run builds the shipped pgo before the tests")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (root, packages) = try Self.image(with: pgo, in: directory)
        #expect(packages == ["libcurl4", "libxml2", "ca-certificates"])
        let version = try runProgram(root + "/usr/local/bin/pgo", ["--version"]).statusAndOutput
        #expect(version.status == 0 && version.output.hasPrefix("pgo "), "\(version.output)")
        // Every library pgo loads comes from those packages, their dependencies, or every Debian image's.
        let available = try DockerfileStage.closure(of: packages)
        #expect(available.contains("libcurl4") && available.contains("libc6") && available.contains("libnghttp2-14"), "\(available.sorted())")
        #expect(try DockerfileStage.libraryPackages(of: pgo).count >= 4)
        #expect(try DockerfileStage.librariesNotProvided(by: available, to: pgo) == [])
    }

    @Test(.enabled(
        if: shipped != nil || Peer.required,
        "no PGO_SHIPPED_PGO: run the pgo image's build stage (Examples/pgo-image/build-pgo.sh DIR, needs libcurl4-openssl-dev and libxml2-dev) and set PGO_SHIPPED_PGO=DIR/pgo; .ci/run does"))
    func theImagesBuildStepMakesAPgoWithTheSwiftRuntimeInside() throws {
        let pgo = try #require(Self.shipped, "PGO_SHIPPED_PGO is not set: .ci/run builds the shipped pgo before the tests")
        try Self.checkRelease(pgo)
    }

    /// What a pgo with the Swift runtime linked in must be (the image's, the action's): it runs,
    /// loads no Swift library, loads libcurl and libxml2, and merges as the debug build does.
    static func checkRelease(_ pgo: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: pgo), "\(pgo) is not an executable")
        let debugPGO = try RecipeTests.debugPGO()
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
