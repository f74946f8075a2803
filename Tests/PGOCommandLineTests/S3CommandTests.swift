import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Testing
import Pprof
import PGOCommandLine
@testable import ProfileStore

extension S3TestServer {
    var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": region,
         "AWS_ENDPOINT_URL": endpoint.absoluteString, "HOME": "/nonexistent"]
    }

    func store(bucket: String, prefix: String, layout: KeyLayout = .standard) throws -> any ProfileStore {
        try openStore("s3://\(bucket)/\(prefix)", options: StoreOptions(layout: layout, environment: environment))
    }
}

@Suite(.serialized, .enabled(if: S3Peers.shouldRun, S3Peers.skipComment)) struct S3CommandTests {
    static let kinds: [S3TestServer.Kind] = [.seaweedfs, .moto]

    @Test(arguments: kinds)
    func roundTripThroughEveryCommand(_ kind: S3TestServer.Kind) async throws {
        let server = try await S3TestServer.shared(kind)
        let bucket = try server.makeBucket()
        let store = ["--store", "s3://\(bucket)/prod", "--service", "api"]
        let env = server.environment

        let upload = await pgo(["upload"] + store + ["profiles/small-1.pb.gz", "profiles/small-2.pb.gz", "profiles/large.pb.gz"], environment: env)
        #expect(upload.status == 0, "\(upload.output.stderr)")
        // Uploading again changes nothing: same keys.
        let again = await pgo(["upload"] + store + ["profiles/small-1.pb.gz"], environment: env)
        #expect(again.status == 0)

        let list = await pgo(["list", "--json"] + store, environment: env)
        #expect(list.status == 0, "\(list.output.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(list.output.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(entries.count == 3)
        let times = entries.compactMap { $0["unixMillis"] as? Int64 }
        let smallTime = try #require(times.min())

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let one = await pgo(["get"] + store + ["--at", String(smallTime), "-o", directory + "/one.pb.gz"], environment: env)
        #expect(one.status == 0, "\(one.output.stderr)")
        #expect(try BoundedFile.read(directory + "/one.pb.gz") == (try fixtureBytes("small-1.pb.gz")))

        // A misspelt service fails open and names the services the bucket's prefix does have (a delimiter listing).
        let misspelt = await pgo(["fetch", "--store", "s3://\(bucket)/prod", "--service", "apj", "--go", directory + "/x.pgo", "--cache", "none"], environment: env)
        #expect(misspelt.status == 0 && misspelt.output.stderr.contains("the store has no service 'apj' at all, only: api"), "\(misspelt.output.stderr)")

        let window = await pgo(["get"] + store + ["-d", directory + "/all", "--select", "largest:2"], environment: env)
        #expect(window.status == 0, "\(window.output.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/all").count == 2)

        let deleteOne = await pgo(["delete"] + store + ["--at", String(smallTime)], environment: env)
        #expect(deleteOne.status == 0)
        #expect(deleteOne.output.stdout.hasPrefix("deleted "))
        let dry = await pgo(["prune"] + store + ["--older-than", "1s", "--dry-run"], environment: env)
        #expect(dry.output.stdout.split(separator: "\n").count == 2)
        #expect(try await server.store(bucket: bucket, prefix: "prod").list(service: "api", window: .all).profiles.count == 2)
        let prune = await pgo(["prune"] + store + ["--older-than", "1s"], environment: env)
        #expect(prune.status == 0)
        #expect(prune.output.stderr.contains("deleted 2 profiles"))
        #expect(try await server.store(bucket: bucket, prefix: "prod").list(service: "api", window: .all).profiles.isEmpty)
    }

    /// moto rejects such keys when it checks signatures, so this runs on SeaweedFS only.
    @Test func unicodeAndReservedCharactersInPrefixAndService() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try server.makeBucket()
        let store = try server.store(bucket: bucket, prefix: "prod/ünï cödé (eu)+x=1,a:b@c")
        let service = "api ✓ +=()"
        let saved = try await store.save(syntheticProfile(1), service: service, createdAt: Date(unixMilliseconds: 1_732_000_000_000))
        #expect(saved.key.hasPrefix("prod/ünï cödé (eu)+x=1,a:b@c/api ✓ +=()/1732000000000-"))
        let listing = try await store.list(service: service, window: .all)
        #expect(listing.profiles.map(\.key) == [saved.key])
        #expect(try await store.get(saved) == syntheticProfile(1))
        // The aws CLI, an independent client, sees the same key.
        #expect(try server.aws(["s3", "ls", "--recursive", "s3://\(bucket)/"]).contains(saved.key))
        try await store.delete(saved)
        #expect(try await store.list(service: service, window: .all).profiles.isEmpty)
    }

    @Test func moreThanAThousandObjectsAndConcurrentUploads() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try server.makeBucket()
        let store = try server.store(bucket: bucket, prefix: "many")
        let t0 = Date(unixMilliseconds: 1_732_000_000_000)
        let saved = try await boundedMap(Array(0..<1_100), concurrency: 16) { i in
            try await store.save(syntheticProfile(i), service: "api", createdAt: t0.addingTimeInterval(Double(i)))
        }
        #expect(Set(saved.map(\.key)).count == 1_100)
        let all = try await store.list(service: "api", window: .all)
        #expect(all.profiles.count == 1_100)
        #expect(all.profiles.map(\.createdAt) == (0..<1_100).map { t0.addingTimeInterval(Double($0)) })
        let window = try await store.list(service: "api", window: TimeWindow(from: t0.addingTimeInterval(1_000), to: t0.addingTimeInterval(1_049)))
        #expect(window.profiles.count == 50)
        #expect(window.profiles.first?.createdAt == t0.addingTimeInterval(1_000))
    }

    @Test(arguments: kinds)
    func wrongSecretIsAClearErrorWithoutTheSecret(_ kind: S3TestServer.Kind) async throws {
        let server = try await S3TestServer.shared(kind)
        let bucket = try server.makeBucket()
        var env = server.environment
        env["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-XYZZY"
        let run = await pgo(["list", "--verbose", "--store", "s3://\(bucket)/p", "--service", "api"], environment: env)
        #expect(run.status == 1)
        #expect(run.output.stderr.contains("HTTP 403"), "\(run.output.stderr)")
        #expect(run.output.stderr.contains("SignatureDoesNotMatch") || run.output.stderr.contains("InvalidAccessKeyId"), "\(run.output.stderr)")
        #expect(run.output.stderr.contains(server.accessKeyID))  // --verbose shows the key id...
        #expect(!run.output.stderr.contains("XYZZY") && !run.output.stdout.contains("XYZZY"))  // ...never the secret
        #expect(!run.output.stderr.contains(server.secretAccessKey))
    }

    @Test func serverDownFailsAfterBoundedRetries() async throws {
        let running = try await S3TestServer.start(.seaweedfs)
        let server = running.server
        let bucket = try server.makeBucket()
        running.stop()
        let run = await pgo(["list", "--store", "s3://\(bucket)/p", "--service", "api", "--timeout", "2"], environment: server.environment)
        #expect(run.status == 1)
        #expect(run.output.stderr.contains("after 4 attempts"), "\(run.output.stderr)")
        #expect(run.output.stderr.contains("cannot connect") || run.output.stderr.contains("timed out"), "\(run.output.stderr)")
    }

    @Test func awsCLIInteropInBothDirections() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try server.makeBucket()
        // What pgolib's MinIO backend writes, put there by the aws CLI: PREFIX/PREFIX/-MILLIS.pprof.
        let small = Fixtures.root + "/profiles/small-1.pb.gz"
        for millis in ["1732000000000", "1732000060000"] {
            _ = try server.aws(["s3", "cp", small, "s3://\(bucket)/profile/profile/-\(millis).pprof"])
        }
        let list = await pgo(
            ["list", "--layout", "pgolib", "--store", "s3://\(bucket)/profile", "--service", "anything"], environment: server.environment)
        #expect(list.status == 0, "\(list.output.stderr)")
        #expect(list.output.stdout.contains("profile/profile/-1732000000000.pprof"))
        #expect(list.output.stdout.contains("profile/profile/-1732000060000.pprof"))
        #expect(list.output.stdout.contains("2024-11-19T07:06:40.000Z"))

        // And the other way: what pgo uploads, the aws CLI lists and downloads byte for byte.
        let upload = await pgo(["upload", "--store", "s3://\(bucket)/swift", "--service", "api", "profiles/small-2.pb.gz"], environment: server.environment)
        #expect(upload.status == 0, "\(upload.output.stderr)")
        let listed = try server.aws(["s3", "ls", "--recursive", "s3://\(bucket)/swift/"])
        let key = try #require(listed.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(key.hasPrefix("swift/api/") && key.hasSuffix(".pb.gz"))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try server.aws(["s3", "cp", "s3://\(bucket)/\(key)", directory + "/copy.pb.gz"])
        #expect(try BoundedFile.read(directory + "/copy.pb.gz") == (try fixtureBytes("small-2.pb.gz")))
    }
}
