import BinaryFormats
import Foundation
import PGOSystem
import Pprof
import ProfileStore
import TestSupport
import Testing

/// `pgo fetch` and `pgo get -d` against SeaweedFS through a proxy that damages responses: none
/// hangs (each has `--timeout 2 --deadline 60s`, the suite a time limit), and no byte that is not
/// an object's own is accepted (issue 11). PGO_FAULT_ROUNDS sets the number of fetches (default 24).
@Suite(.serialized, .enabled(if: S3Peers.shouldRun, S3Peers.skipComment)) struct FaultProxyTests {
    @Test(.timeLimit(.minutes(15))) func throughAFaultProxyNothingHangsAndNoCorruptByteIsAccepted() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try server.makeBucket()
        let directory = try temporaryDirectory("pgo-fault")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var direct = server.environment
        direct["XDG_CACHE_HOME"] = directory + "/cache"
        let store = ["--store", "s3://\(bucket)/prod", "--service", "api"]
        // 20 distinct real profiles, a minute apart.
        for i in 0..<20 {
            var profile = try Profile(serialized: try fixtureBytes(["small-1", "small-2", "small-3", "small-4", "large"][i % 5] + ".pb.gz"))
            profile.timeNanos = (1_790_000_000_000 + Int64(i) * 60_000) * 1_000_000
            profile.comments = [Int64(profile.stringTable.count)]
            profile.stringTable.append("copy \(i)")
            try AtomicFile.write(profile.serialized(), to: directory + "/p\(i).pb")
        }
        let upload = await pgo(["upload"] + store + (0..<20).map { "p\($0).pb" }, in: directory, environment: direct)
        try #require(upload.status == 0, "\(upload.output.stderr)")
        let window = ["--from", "0", "--cache", "none", "--timeout", "2", "--deadline", "60s"]
        let reference = await pgo(["fetch"] + store + window + ["--go", "reference.pgo", "--strict"], in: directory, environment: direct)
        try #require(reference.status == 0, "\(reference.output.stderr)")
        let expected = try BoundedFile.read(directory + "/reference.pgo")

        let proxy = try FaultProxy(upstreamPort: server.endpoint.port!, seed: 2026)
        defer { proxy.stop() }
        var faulty = direct
        faulty["AWS_ENDPOINT_URL"] = proxy.endpoint
        let rounds = Int(ProcessInfo.processInfo.environment["PGO_FAULT_ROUNDS"] ?? "") ?? 24
        var (succeeded, failedOpen, failedStrict, slowest) = (0, 0, 0, 0.0)
        for round in 0..<rounds {
            let strict = round % 2 == 0
            let output = "out-\(round).pgo"
            let started = Date()
            let run = await pgo(
                ["fetch"] + store + window + ["--go", output, "--manifest", "m-\(round).json"] + (strict ? ["--strict"] : []),
                in: directory, environment: faulty)
            slowest = max(slowest, Date().timeIntervalSince(started))
            let manifest = try JSONSerialization.jsonObject(with: Data(try BoundedFile.read(directory + "/m-\(round).json"))) as? [String: Any] ?? [:]
            let objects = manifest["objects"] as? [[String: Any]] ?? []
            // Every object that went into a profile is the object its key names.
            for object in objects {
                let key = object["key"] as? String ?? "", sha = object["sha256"] as? String ?? ""
                #expect(key.hasSuffix("-\(sha.prefix(16)).pb.gz"), "round \(round): \(key) merged with SHA-256 \(sha)")
            }
            if run.status == 0, manifest["status"] as? String == "ok" {
                succeeded += 1
                if objects.count == 20 { #expect(try BoundedFile.read(directory + "/" + output) == expected, "round \(round)") }
            } else if strict {
                failedStrict += 1
                #expect(run.status == 1 && run.output.stderr.contains("error:"), "round \(round): \(run.output.stderr)")
                #expect(!FileManager.default.fileExists(atPath: directory + "/" + output))
            } else {
                failedOpen += 1
                #expect(run.status == 0 && run.output.stderr.contains("building without PGO"), "round \(round): \(run.output.stderr)")
            }
        }
        // get -d through the proxy: every file it writes is the object its name promises.
        var written = 0
        for round in 0..<6 {
            let target = "got-\(round)"
            _ = await pgo(["get"] + store + ["--from", "0", "--timeout", "2", "-d", target], in: directory, environment: faulty)
            for name in (try? FileInfo.contents(ofDirectory: directory + "/" + target)) ?? [] where !name.hasPrefix(".") {
                let bytes = try BoundedFile.read(directory + "/" + target + "/" + name)
                #expect(name.hasSuffix("-\(hexString(SHA256.hash(bytes)).prefix(16)).pb.gz"), "\(target)/\(name)")
                written += 1
            }
        }
        print("fault proxy: \(rounds) fetches: \(succeeded) ok, \(failedOpen) failed open, \(failedStrict) failed strictly; slowest \(String(format: "%.1f", slowest)) s; get -d wrote \(written) files; faults \(try proxy.stats())")
        #expect(succeeded + failedOpen + failedStrict == rounds)
    }
}
