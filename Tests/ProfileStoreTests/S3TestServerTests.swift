// Smoke tests of the S3 test-server harness (Support/S3TestServer.swift), against each real server.

import Foundation
import TestSupport
import Testing

@Suite("S3TestServer harness", .enabled(if: S3Peers.shouldRun, S3Peers.skipComment))
struct S3TestServerTests {
    @Test("shared server: bucket, upload, listing, wrong secret refused", arguments: S3TestServer.Kind.allCases)
    func sharedServer(kind: S3TestServer.Kind) async throws {
        let server = try await S3TestServer.shared(kind)
        #expect(server.kind == kind)
        #expect(server.endpoint.host == "127.0.0.1")
        #expect(server.region == "us-east-1")
        #expect(try await S3TestServer.shared(kind).endpoint == server.endpoint, "one shared instance per kind")

        let bucket = try server.makeBucket()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgo-smoke-\(UUID().uuidString).txt")
        try Data("hello, \(kind)\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        _ = try server.aws(["s3", "cp", file.path, "s3://\(bucket)/dir/smoke.txt"])
        let listing = try server.aws(["s3", "ls", "--recursive", "s3://\(bucket)/"])
        #expect(listing.contains("dir/smoke.txt"), "listing was: \(listing)")
        let body = try server.aws(["s3", "cp", "s3://\(bucket)/dir/smoke.txt", "-"])
        #expect(body == "hello, \(kind)\n")

        // Signatures are verified: the same request signed with a wrong secret is refused.
        let wrong = server.with(secretAccessKey: server.secretAccessKey + "x")
        let error = #expect(throws: S3TestServerError.self) {
            try wrong.aws(["s3", "ls", "s3://\(bucket)/"])
        }
        #expect(
            "\(error.map { "\($0)" } ?? "")".contains("SignatureDoesNotMatch"),
            "expected a SigV4 rejection, got: \(error.map { "\($0)" } ?? "nothing")")
        // And an unknown access key too.
        #expect(throws: S3TestServerError.self) {
            try server.with(accessKeyID: "AKIANOTAKEY000000000", secretAccessKey: server.secretAccessKey)
                .aws(["s3", "ls", "s3://\(bucket)/"])
        }
    }

    @Test("private server: works, and refuses connections after stop()", arguments: S3TestServer.Kind.allCases)
    func privateServer(kind: S3TestServer.Kind) async throws {
        let running = try await S3TestServer.start(kind)
        let server = running.server
        let shared = try await S3TestServer.shared(kind)
        #expect(shared.endpoint != server.endpoint, "a private instance is not the shared one")
        #expect(server.isAcceptingConnections)
        let bucket = try server.makeBucket()
        #expect(try server.aws(["s3", "ls"]).contains(bucket))

        running.stop()
        #expect(!server.isAcceptingConnections)
        #expect(!FileManager.default.fileExists(atPath: running.logPath), "its temporary directory is removed")
        #expect(throws: S3TestServerError.self) { try server.aws(["s3", "ls"]) }
        running.stop()  // idempotent
    }
}
