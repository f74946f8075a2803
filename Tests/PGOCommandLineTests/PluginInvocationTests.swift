import Foundation
import PGOPluginSupport
import Testing

/// What `swift package pgo-fetch` decides, tested here because the plugin itself cannot be unit-tested.
@Suite struct PluginInvocationTests {
    let package = "/work/app", work = "/work/app/.build/plugins/PGOFetch"

    @Test func withoutBuildTheArgumentsPassThrough() {
        let invocation = FetchPluginInvocation(arguments: ["--since", "7d", "--go", "default.pgo"], packageDirectory: package, workDirectory: work)
        #expect(invocation == FetchPluginInvocation(arguments: ["--since", "7d", "--go", "default.pgo"], packageDirectory: package, workDirectory: work))
        #expect(invocation.pgoArguments == ["fetch", "--since", "7d", "--go", "default.pgo"])
        #expect(!invocation.build && invocation.flagsDirectory == nil)
    }

    @Test func buildWithoutFlagsWritesThemToTheWorkDirectory() {
        let invocation = FetchPluginInvocation(arguments: ["--build", "--strict"], packageDirectory: package, workDirectory: work)
        #expect(invocation.pgoArguments == ["fetch", "--strict", "--flags", work + "/flags"])
        #expect(invocation.build && invocation.flagsDirectory == work + "/flags")
    }

    @Test func buildReadsTheFlagsDirectoryGivenInEitherForm() {
        let separate = FetchPluginInvocation(arguments: ["--flags", ".pgo", "--build"], packageDirectory: package, workDirectory: work)
        #expect(separate.pgoArguments == ["fetch", "--flags", ".pgo"])
        #expect(separate.flagsDirectory == package + "/.pgo")
        // --flags=DIR, which the plugin used to miss (it then added a second --flags of its own).
        let joined = FetchPluginInvocation(arguments: ["--build", "--flags=out/flags"], packageDirectory: package, workDirectory: work)
        #expect(joined.pgoArguments == ["fetch", "--flags=out/flags"])
        #expect(joined.flagsDirectory == package + "/out/flags")
        let absolute = FetchPluginInvocation(arguments: ["--build", "--flags", "/tmp/f"], packageDirectory: package, workDirectory: work)
        #expect(absolute.flagsDirectory == "/tmp/f")
    }

    @Test func toolsetFlagsAreRead() throws {
        let toolset = #"{"schemaVersion":"1.0","swiftCompiler":{"extraCLIOptions":["-profile-use=/p/x.profdata","-Xfrontend","-disable-incremental-llvm-codegen"]}}"#
        #expect(try FetchPluginInvocation.swiftcFlags(fromToolset: Data(toolset.utf8)) == ["-profile-use=/p/x.profdata", "-Xfrontend", "-disable-incremental-llvm-codegen"])
        #expect(try FetchPluginInvocation.swiftcFlags(fromToolset: Data(#"{"schemaVersion":"1.0"}"#.utf8)) == [])
        #expect(throws: (any Error).self) { try FetchPluginInvocation.swiftcFlags(fromToolset: Data("not json".utf8)) }
    }
}
