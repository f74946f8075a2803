import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing
@testable import ProfileStore

/// Retries and timeouts against a stand-in server that fails on purpose (flaky_s3_server.py).
@Suite(.enabled(if: Peer.python.shouldRun, Peer.python.skipComment)) struct S3ClientRetryTests {
    final class StubServer: Sendable {
        private let server: ScriptServer
        var port: Int { server.port }

        init(mode: String) throws {
            server = try ScriptServer(script: "Tests/ProfileStoreTests/flaky_s3_server.py", arguments: [mode])
        }

        func client(timeout: TimeInterval = 5, attempts: Int = 4, host: String = "127.0.0.1", addressing: S3Configuration.Addressing = .path) -> S3Client {
            S3Client(S3Configuration(
                endpoint: URL(string: "http://\(host):\(port)")!, region: "us-east-1", bucket: "b", addressing: addressing,
                credentials: AWSCredentials(accessKeyID: "AK", secretAccessKey: "SK"), requestTimeout: timeout, maxAttempts: attempts))
        }

        func requestCount() async throws -> Int {
            Int(try await fetch("__count")) ?? -1
        }

        /// The Host header and path of the last S3 request.
        func lastRequest() async throws -> String { try await fetch("__last") }

        private func fetch(_ path: String) async throws -> String {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
            return String(decoding: data, as: UTF8.self)
        }
    }

    @Test func serverErrorsAndThrottlingAreRetried() async throws {
        let server = try StubServer(mode: "fail:2")
        let page = try await server.client().listObjects(prefix: "p/", startAfter: nil, continuationToken: nil)
        #expect(page.objects.isEmpty)
        #expect(try await server.requestCount() == 3)
    }

    @Test func pathAndVirtualHostedAddressing() async throws {
        let server = try StubServer(mode: "fail:0")
        _ = try await server.client().listObjects(prefix: "a b/", startAfter: "a b/1", continuationToken: nil)
        #expect(try await server.lastRequest() == "127.0.0.1:\(server.port) /b?list-type=2&max-keys=1000&prefix=a%20b%2F&start-after=a%20b%2F1")
        // *.localhost resolves to the loopback address, so the bucket can go into the host name.
        _ = try await server.client(host: "localhost", addressing: .virtualHosted).listObjects(prefix: "p/", startAfter: nil, continuationToken: nil)
        #expect(try await server.lastRequest() == "b.localhost:\(server.port) /?list-type=2&max-keys=1000&prefix=p%2F")
    }

    @Test func retriesAreBounded() async throws {
        let server = try StubServer(mode: "fail:100")
        let error = await #expect(throws: S3Error.self) {
            _ = try await server.client(attempts: 3).listObjects(prefix: "p/", startAfter: nil, continuationToken: nil)
        }
        #expect(error?.description == "S3 LIST s3://b/p/ failed: HTTP 503 SlowDown: Please reduce your request rate. (after 3 attempts)")
        #expect(try await server.requestCount() == 3)
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let server = try StubServer(mode: "deny")
        let error = await #expect(throws: S3Error.self) { _ = try await server.client().getObject(key: "a/b.pb.gz") }
        #expect(error?.description == "S3 GET s3://b/a/b.pb.gz failed: HTTP 403 AccessDenied: Access Denied")
        #expect(try await server.requestCount() == 1)
    }

    @Test func eachAttemptHasATimeout() async throws {
        let server = try StubServer(mode: "hang")
        let error = await #expect(throws: S3Error.self) {
            _ = try await server.client(timeout: 1, attempts: 2).listObjects(prefix: "", startAfter: nil, continuationToken: nil)
        }
        #expect(error?.description.contains("timed out after 1 s (after 2 attempts)") == true, "\(String(describing: error))")
    }

    /// `--timeout` limits the whole request: a body trickled 16 bytes a second (4 minutes in all)
    /// is cut at the limit, where an idle timeout would wait for all of it (issue 11).
    @Test func theTimeoutCoversTheWholeRequest() async throws {
        let server = try StubServer(mode: "trickle")
        let error = await #expect(throws: S3Error.self) {
            _ = try await server.client(timeout: 2, attempts: 1).getObject(key: "a/b.pb.gz")
        }
        #expect(error?.description.contains("timed out after 2 s") == true, "\(String(describing: error))")
    }

    /// Cancelling a download in flight returns at once with CancellationError, without retrying
    /// and without waiting for the transfer (which is abandoned, never cancelled: see HTTPTransfer).
    @Test func cancellingADownloadInFlightReturns() async throws {
        let server = try StubServer(mode: "hang")
        let client = server.client(timeout: 30, attempts: 4)
        let download = Task { try await client.getObject(key: "a/b.pb.gz") }
        // Cancel once the request has reached the server.
        while try await server.requestCount() == 0 { await Task.yield() }
        download.cancel()
        let result = await download.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(try await server.requestCount() == 1, "a cancelled request is not retried")
    }
}
