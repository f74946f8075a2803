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
        let invocation = FetchPluginInvocation(arguments: ["--build", "--strict", "--llvm", "app.prof"], packageDirectory: package, workDirectory: work)
        #expect(invocation.pgoArguments == ["fetch", "--strict", "--llvm", "app.prof", "--flags", work + "/flags"])
        #expect(invocation.build && invocation.flagsDirectory == work + "/flags")
    }

    @Test func buildReadsTheFlagsDirectoryGivenInEitherForm() {
        let separate = FetchPluginInvocation(arguments: ["--flags", ".pgo", "--build", "--go", "x"], packageDirectory: package, workDirectory: work)
        #expect(separate.pgoArguments == ["fetch", "--flags", ".pgo", "--go", "x"])
        #expect(separate.flagsDirectory == package + "/.pgo")
        // --flags=DIR, which the plugin used to miss (it then added a second --flags of its own).
        let joined = FetchPluginInvocation(arguments: ["--build", "--flags=out/flags", "--llvm=x"], packageDirectory: package, workDirectory: work)
        #expect(joined.pgoArguments == ["fetch", "--flags=out/flags", "--llvm=x"])
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

    @Test func withNoOutputNamedASwiftPackageGetsAnLLVMProfileAndFlags() {
        let bare = FetchPluginInvocation(arguments: ["--since", "7d"], packageDirectory: package, workDirectory: work)
        #expect(bare.pgoArguments == ["fetch", "--since", "7d", "--llvm", ".pgo/default.prof", "--flags", ".pgo"])
        #expect(bare.outputs == [".pgo/default.prof", ".pgo/ (compiler flags)"])
        let built = FetchPluginInvocation(arguments: ["--build"], packageDirectory: package, workDirectory: work)
        #expect(built.pgoArguments == ["fetch", "--llvm", ".pgo/default.prof", "--flags", ".pgo"])
        #expect(built.flagsDirectory == package + "/.pgo")
        // An output in the settings file is named too: nothing is added.
        let configured = FetchPluginInvocation(arguments: ["--build"], packageDirectory: package, workDirectory: work,
                                               configuration: Data(#"{"go": "default.pgo", "flags": "out"}"#.utf8))
        #expect(configured.pgoArguments == ["fetch"])
        #expect(configured.flagsDirectory == package + "/out")
        // A flags directory given keeps its place.
        let flags = FetchPluginInvocation(arguments: ["--flags=f"], packageDirectory: package, workDirectory: work)
        #expect(flags.pgoArguments == ["fetch", "--flags=f", "--llvm", ".pgo/default.prof"])
        #expect(FetchPluginInvocation.configurationPath(arguments: ["--config", "ci/pgo.json"], packageDirectory: package) == package + "/ci/pgo.json")
        #expect(FetchPluginInvocation.configurationPath(arguments: [], packageDirectory: package) == package + "/.pgo.json")
    }
}
