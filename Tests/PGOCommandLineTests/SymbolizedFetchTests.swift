import Foundation
import BinaryFormats
import LLVMProfile
import PGOCommandLine
import PGOPipeline
import PGOSystem
import Pprof
import ProfileStore
import TestSupport
import Testing

/// A window that spans releases: address-only profiles of two builds of one program, fetched with
/// no binary at hand, each build symbolized against its own symbol file from the store, a
/// `--binary`, or a real debuginfod, then merged by linkage name and line offset.
@Suite(.serialized) struct SymbolizedFetchTests {
    /// v1 of the program; v2 is v1 shifted down three lines with `warm` edited.
    static let v1 = """
        @inline(never) func hot(_ n: Int) -> Int {
            var total = 0
            for i in 0..<n { total &+= i &* i ^ (total >> 3) }
            return total
        }
        @inline(never) func warm(_ n: Int) -> Int {
            var total = 1
            for i in 0..<n { total = total &* 31 &+ i }
            return total
        }
        @main struct Main {
            static func main() { print(hot(CommandLine.arguments.count * 1000) &+ warm(CommandLine.arguments.count)) }
        }

        """
    static let v2 = "// v2\n//\n//\n" + v1.replacingOccurrences(of: "total = total &* 31 &+ i", with: "total = total &* 37 &+ i &+ 1")

    struct Build {
        var binary: String
        var buildID: String
    }

    static func compile(_ source: String, in directory: String) throws -> Build {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try source.write(toFile: directory + "/w.swift", atomically: true, encoding: .utf8)
        let swiftc = try #require(testToolchain.swiftc, "swiftc not found")
        let compile = try runProgram(swiftc, ["-O", "-g", "-module-name", "W", "-parse-as-library", directory + "/w.swift", "-o", directory + "/w"])
        try #require(compile.status == 0, "\(compile.combined)")
        return Build(binary: directory + "/w", buildID: try #require(try ELFBuildID.read(directory + "/w")))
    }

    /// An address-only profile as the agent takes it: the executable's code mapped at a random
    /// base, `hot` sampled `hotSamples` times inside its loop, called from `main`.
    static func profile(of build: Build, hotSamples: Int64, at time: Date) throws -> [UInt8] {
        let elf = try ELFFile(path: build.binary)
        let segment = try #require(elf.segments.first { $0.isExecutable })
        func address(_ symbol: String) throws -> UInt64 { try #require(elf.symbols[symbol]?.first).value }
        let bias: UInt64 = 0x5555_0000_0000
        let pageVirtual = segment.virtualAddress / 4096 * 4096
        let memoryStart = bias + pageVirtual
        var p = Profile()
        p.stringTable = ["", "samples", "count", "/srv/app/w", build.buildID]
        p.sampleTypes = [ValueType(type: 1, unit: 2)]
        p.timeNanos = Int64(time.timeIntervalSince1970 * 1e9)
        p.mappings = [Mapping(id: 1, memoryStart: memoryStart, memoryLimit: memoryStart + segment.memorySize + 4096,
                              fileOffset: segment.offset / 4096 * 4096, filename: 3, buildID: 4)]
        let hot = try address("$s1W3hotyS2iF"), main = try address("$s1W4MainV4mainyyFZ")
        p.locations = [Location(id: 1, mappingID: 1, address: bias + hot + 16), Location(id: 2, mappingID: 1, address: bias + main + 8)]
        p.samples = [Sample(locationIDs: [1, 2], values: [hotSamples])]
        return p.serialized()
    }

    /// A store with a profile of each build, a day apart; only v1's symbols are uploaded (debug-only).
    static func makeWindow(_ directory: String) async throws -> (v1: Build, v2: Build, store: String) {
        let v1 = try compile(v1, in: directory + "/v1")
        let v2 = try compile(v2, in: directory + "/v2")
        #expect(v1.buildID != v2.buildID)
        let store = directory + "/store"
        let now = Date()
        for (build, samples, age) in [(v1, Int64(30), 86_400.0), (v2, Int64(12), 3600.0)] {
            let path = directory + "/\(build.buildID).pb"
            try AtomicFile.write(try profile(of: build, hotSamples: samples, at: now.addingTimeInterval(-age)), to: path)
            let upload = await pgo(["upload", "--store", store, "--service", "api", path], in: directory)
            try #require(upload.status == 0, "\(upload.output.stderr)")
        }
        let symbols = await pgo(["symbols", "upload", "--store", store, "--debug-only", v1.binary], in: directory)
        try #require(symbols.status == 0, "\(symbols.output.stderr)")
        return (v1, v2, store)
    }

    static func manifestBuilds(_ path: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        return try #require(object?["builds"] as? [[String: Any]])
    }

    /// `hot`'s total samples in a text sample profile.
    static func hotTotal(_ path: String) throws -> Int? {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").first { $0.hasPrefix("$s1W3hotyS2iF:") }.flatMap { Int($0.split(separator: ":")[1]) }
    }

    @Test func everyBuildOfTheWindowIsSymbolizedAgainstItsOwnFile() async throws {
        let directory = try temporaryDirectory("pgo-builds")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (v1, v2, store) = try await Self.makeWindow(directory)
        let fetch = ["fetch", "--store", store, "--service", "api", "--since", "7d", "--cache", directory + "/cache"]
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "", "HOME": directory]

        // v2's symbols are nowhere: its samples are lost, and the warning says whose and what to do.
        let partial = await pgo(fetch + ["--llvm", "partial.prof", "--manifest", "partial.json"], in: directory, environment: environment)
        #expect(partial.status == 0, "\(partial.output.stderr)")
        #expect(partial.output.stderr.contains("29 % of the profiled executables' samples could not be symbolized"), "\(partial.output.stderr)")
        #expect(partial.output.stderr.contains(v2.buildID) && !partial.output.stderr.contains(v1.buildID), "\(partial.output.stderr)")
        #expect(partial.output.stderr.contains("pgo symbols upload"))
        #expect(try Self.hotTotal(directory + "/partial.prof") == 30)

        // --strict: a missing symbol file of a profiled build is an error naming it.
        let strict = await pgo(fetch + ["--llvm", "strict.prof", "--strict"], in: directory, environment: environment)
        #expect(strict.status == 1)
        #expect(strict.output.stderr.contains("no symbol file for the profiled build \(v2.buildID)"), "\(strict.output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/strict.prof"))

        // With v2's binary given (and a binary of neither build, which is ignored), both builds count.
        let other = try Self.compile(Self.v1 + "\n// other\nfunc unused() {}\n", in: directory + "/other")
        let full = await pgo(fetch + ["--llvm", "full.prof", "--manifest", "full.json", "--binary", other.binary, "--binary", v2.binary, "--strict"],
                             in: directory, environment: environment)
        #expect(full.status == 0, "\(full.output.stderr)")
        #expect(full.output.stderr.contains("--binary \(other.binary) (build ID \(other.buildID)) is not among the profiled builds"))
        #expect(try Self.hotTotal(directory + "/full.prof") == 42, "v1's 30 and v2's 12 samples of hot, merged by name")
        let builds = try Self.manifestBuilds(directory + "/full.json")
        let byID = Dictionary(uniqueKeysWithValues: builds.map { ($0["buildID"] as? String ?? "", $0) })
        let fromStore = try #require(byID[v1.buildID]?["symbols"] as? [String: Any])
        #expect(fromStore["source"] as? String == "store")
        #expect((fromStore["location"] as? String)?.hasSuffix("buildid/\(v1.buildID)/debuginfo (cached)") == true, "\(fromStore)")
        let given = try #require(byID[v2.buildID]?["symbols"] as? [String: Any])
        #expect(given["source"] as? String == "binary" && given["location"] as? String == v2.binary)
        let binaryHash = hexString(SHA256.hash(try BoundedFile.read(v2.binary, limit: 1 << 30)))
        #expect(given["sha256"] as? String == binaryHash)
        for build in builds {
            #expect(build["profiled"] as? Bool == true)
            #expect(build["unsymbolizedSamples"] as? Int == 0, "\(build)")
        }
        #expect(byID[v1.buildID]?["samples"] as? Int == 30 && byID[v2.buildID]?["samples"] as? Int == 12)
        // The compiler takes it: llvm-profdata reads the merged profile.
        let profdata = try #require(testToolchain.tool("llvm-profdata"))
        let show = try runProgram(profdata, ["show", "--sample", directory + "/full.prof"])
        #expect(show.status == 0 && show.output.contains("hotyS2iF"), "\(show.combined)")
    }

    @Test(.enabled(if: Peer.debuginfod.shouldRun, Peer.debuginfod.skipComment))
    func symbolsComeFromARealDebuginfod() async throws {
        let directory = try temporaryDirectory("pgo-debuginfod")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (v1, v2, store) = try await Self.makeWindow(directory)
        // debuginfod serves v2's binary; v1's debug-only file is in the store.
        try FileManager.default.createDirectory(atPath: directory + "/served", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: v2.binary, toPath: directory + "/served/w")
        let server = try DebuginfodServer(serving: directory + "/served", waitingFor: [v2.buildID])
        defer { server.stop() }
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "", "HOME": directory,
                           "DEBUGINFOD_URLS": "http://127.0.0.1:9/ \(server.endpoint)"]
        let fetch = await pgo(["fetch", "--store", store, "--service", "api", "--since", "7d", "--cache", "none", "--strict",
                               "--llvm", "d.prof", "--manifest", "d.json"], in: directory, environment: environment)
        #expect(fetch.status == 0, "\(fetch.output.stderr)")
        #expect(try Self.hotTotal(directory + "/d.prof") == 42)
        let builds = Dictionary(uniqueKeysWithValues: try Self.manifestBuilds(directory + "/d.json").map { ($0["buildID"] as? String ?? "", $0) })
        let served = try #require(builds[v2.buildID]?["symbols"] as? [String: Any])
        #expect(served["source"] as? String == "debuginfod")
        #expect(served["location"] as? String == "\(server.endpoint)/buildid/\(v2.buildID)/debuginfo", "\(served)")
        #expect((builds[v1.buildID]?["symbols"] as? [String: Any])?["source"] as? String == "store")
    }

    @Test func symbolUploadChecksTheBinaryAndDebugOnlyFilesGiveTheSameFrames() async throws {
        let directory = try temporaryDirectory("pgo-symbols-upload")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let build = try Self.compile(Self.v1, in: directory + "/v1")
        let objcopy = try #require(testToolchain.tool("llvm-objcopy"))
        let store = ["--store", directory + "/store"]

        #expect(try runProgram(objcopy, ["--remove-section=.note.gnu.build-id", build.binary, directory + "/no-id"]).status == 0)
        let noID = await pgo(["symbols", "upload"] + store + [directory + "/no-id"], in: directory)
        #expect(noID.status == 1)
        #expect(noID.output.stderr.contains("\(directory)/no-id has no GNU build ID") && noID.output.stderr.contains("--build-id"), "\(noID.output.stderr)")
        #expect(try runProgram(objcopy, ["--strip-debug", build.binary, directory + "/stripped"]).status == 0)
        let stripped = await pgo(["symbols", "upload"] + store + [build.binary, directory + "/stripped"], in: directory)
        #expect(stripped.status == 1)
        #expect(stripped.output.stderr.contains("\(directory)/stripped has no DWARF line tables") && stripped.output.stderr.contains("without -g"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/store/buildid"), "nothing is sent when one binary is unfit")
        let usage = await pgo(["symbols", "upload"] + store, in: directory)
        #expect(usage.status == 2)

        let upload = await pgo(["symbols", "upload"] + store + ["--debug-only", build.binary], in: directory)
        #expect(upload.status == 0, "\(upload.output.stderr)")
        #expect(upload.output.stdout.contains("buildid/\(build.buildID)/debuginfo (uploaded"))
        let again = await pgo(["symbols", "upload"] + store + ["--debug-only", build.binary], in: directory)
        #expect(again.output.stdout.contains("(already stored"), "same size: not sent again")
        let debugFile = directory + "/store/buildid/\(build.buildID)/debuginfo"
        let debugSize = try ChunkedFile(path: debugFile).size, binarySize = try ChunkedFile(path: build.binary).size
        #expect(debugSize < binarySize)

        // llvm-symbolizer gives the same frames from the debug-only file as from the binary.
        let symbolizer = try testToolchain.llvmSymbolizer()
        let elf = try ELFFile(path: build.binary)
        let hot = try #require(elf.symbols["$s1W3hotyS2iF"]?.first)
        let addresses = (0..<hot.size).map { hot.value + $0 }
        let fromBinary = try SampleProfileWorkflow.frames(of: addresses, in: build.binary, symbolizer: symbolizer, subprocess: Subprocess())
        let fromDebugFile = try SampleProfileWorkflow.frames(of: addresses, in: debugFile, symbolizer: symbolizer, subprocess: Subprocess())
        #expect(fromBinary.map { $0.map { "\($0.name) \($0.line) \($0.startLine) \($0.discriminator)" } }
                == fromDebugFile.map { $0.map { "\($0.name) \($0.line) \($0.startLine) \($0.discriminator)" } })
        #expect(fromBinary.contains { $0.contains { $0.name == "$s1W3hotyS2iF" && $0.line > 0 } })

        let list = await pgo(["symbols", "list", "--json"] + store, in: directory)
        let entries = try JSONSerialization.jsonObject(with: Data(list.output.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(entries.map { $0["buildID"] as? String } == [build.buildID] && entries.first?["size"] as? Int == debugSize)
        // Profile retention leaves symbols alone; symbol retention removes them.
        let prune = await pgo(["prune"] + store + ["--service", "api", "--older-than", "1s"], in: directory)
        #expect(prune.status == 0)
        #expect(FileManager.default.fileExists(atPath: debugFile))
        let fresh = await pgo(["symbols", "prune"] + store + ["--older-than", "1d"], in: directory)
        #expect(fresh.status == 0 && fresh.output.stdout.isEmpty, "stored just now: kept")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 86_400)], ofItemAtPath: debugFile)
        let dry = await pgo(["symbols", "prune"] + store + ["--older-than", "1d", "--dry-run"], in: directory)
        #expect(dry.output.stdout.contains("would delete") && dry.output.stdout.contains(build.buildID))
        #expect(FileManager.default.fileExists(atPath: debugFile))
        let pruned = await pgo(["symbols", "prune"] + store + ["--older-than", "1d"], in: directory)
        #expect(pruned.status == 0, "\(pruned.output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: debugFile))
    }

    /// An LLVM profile of a Go service's profiles does nothing; the user is told to use --go.
    @Test func llvmOutputOfGoProfilesWarns() async throws {
        let directory = try temporaryDirectory("pgo-go-llvm")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let converted = await pgo(["convert", "-o", directory + "/go.prof", "profiles/small-1.pb.gz"])
        #expect(converted.status == 0, "\(converted.output.stderr)")
        #expect(converted.output.stderr.contains("% of the samples are in Go source files: these are a Go binary's functions"), "\(converted.output.stderr)")
        #expect(converted.output.stderr.contains("use --go FILE"))
    }
}
