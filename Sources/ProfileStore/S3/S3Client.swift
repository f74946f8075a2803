import BinaryFormats
import Foundation
import PGOSystem
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where and how to reach a bucket.
public struct S3Configuration: Sendable {
    public enum Addressing: String, Sendable, CaseIterable {
        /// `https://endpoint/bucket/key`: what MinIO, SeaweedFS and most self-hosted servers expect.
        case path
        /// `https://bucket.endpoint/key`: AWS's default.
        case virtualHosted = "virtual"
    }

    public var endpoint: URL
    public var region: String
    public var bucket: String
    public var addressing: Addressing
    public var credentials: AWSCredentials
    /// Each attempt's limit, in seconds: for the whole request, not each read, so a server that
    /// trickles a body cannot hold a build past it.
    public var requestTimeout: TimeInterval
    /// Attempts per request, the first included. Server errors, throttling and timeouts are
    /// retried with jittered exponential backoff; other errors fail at once.
    public var maxAttempts: Int

    public init(
        endpoint: URL, region: String, bucket: String, addressing: Addressing, credentials: AWSCredentials,
        requestTimeout: TimeInterval = 30, maxAttempts: Int = 4
    ) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.addressing = addressing
        self.credentials = credentials
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
    }
}

/// A minimal S3 client: the five calls a profile store needs, signed with SigV4.
public final class S3Client: Sendable {
    public let configuration: S3Configuration
    private let session: URLSession

    public init(_ configuration: S3Configuration, maxConnections: Int = 16) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout
        // An attempt the caller stopped waiting for (see HTTPTransfer) still ends by itself.
        sessionConfiguration.timeoutIntervalForResource = configuration.requestTimeout * 2
        sessionConfiguration.httpMaximumConnectionsPerHost = maxConnections
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.urlCache = nil
        self.session = URLSession(configuration: sessionConfiguration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func resource(_ key: String) -> String { "s3://\(configuration.bucket)/\(key)" }

    /// Uploads an object; returns its ETag.
    @discardableResult
    public func putObject(key: String, body: [UInt8], contentType: String = "application/octet-stream") async throws -> String? {
        let response = try await send(
            operation: "PUT", key: key, method: "PUT", body: body, headers: ["content-type": contentType])
        return response.headers["etag"]
    }

    public func getObject(key: String) async throws -> (body: [UInt8], etag: String?) {
        let response = try await send(operation: "GET", key: key, method: "GET")
        return ([UInt8](response.body), response.headers["etag"])
    }

    /// Bytes `range` of an object (for downloads in pieces); the answer must be exactly that range.
    func getObject(key: String, range: Range<Int>) async throws -> [UInt8] {
        let response = try await send(
            operation: "GET", key: key, method: "GET", headers: ["range": "bytes=\(range.lowerBound)-\(range.upperBound - 1)"])
        guard response.body.count == range.count else {
            throw S3Error(operation: "GET", resource: resource(key), status: response.status, code: nil,
                          message: "asked for bytes \(range.lowerBound)-\(range.upperBound - 1), got \(response.body.count) bytes", attempts: 1)
        }
        return [UInt8](response.body)
    }

    /// The size and time of an object, or nil when there is none.
    func headObject(key: String) async throws -> (size: Int, lastModified: Date?)? {
        do {
            let response = try await send(operation: "HEAD", key: key, method: "HEAD")
            guard let size = response.headers["content-length"].flatMap({ Int($0) }) else {
                throw S3Error(operation: "HEAD", resource: resource(key), status: response.status, code: nil, message: "no Content-Length", attempts: 1)
            }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return (size, response.headers["last-modified"].flatMap { formatter.date(from: $0) })
        } catch let error as S3Error where error.status == 404 {
            return nil
        }
    }

    // MARK: - Multipart upload

    /// Starts a multipart upload; returns its UploadId.
    func createMultipartUpload(key: String) async throws -> String {
        let response = try await send(operation: "CREATE-MULTIPART", key: key, method: "POST", query: [("uploads", "")])
        return try S3XML.parseUploadID(response.body)
    }

    /// Uploads part `number` (from 1), signed with its own payload hash; returns its ETag.
    func uploadPart(key: String, uploadID: String, number: Int, body: [UInt8]) async throws -> String {
        let response = try await send(
            operation: "UPLOAD-PART", key: key, method: "PUT", query: [("partNumber", String(number)), ("uploadId", uploadID)], body: body)
        guard let etag = response.headers["etag"] else {
            throw S3Error(operation: "UPLOAD-PART", resource: resource(key), status: response.status, code: nil, message: "no ETag for part \(number)", attempts: 1)
        }
        return etag
    }

    func completeMultipartUpload(key: String, uploadID: String, etags: [String]) async throws {
        let response = try await send(
            operation: "COMPLETE-MULTIPART", key: key, method: "POST", query: [("uploadId", uploadID)],
            body: S3XML.completion(etags: etags), headers: ["content-type": "application/xml"])
        do { try S3XML.checkCompleted(response.body) } catch {
            throw S3Error(operation: "COMPLETE-MULTIPART", resource: resource(key), status: response.status, code: nil, message: "\(error)", attempts: 1)
        }
    }

    /// Best effort: parts of an abandoned upload otherwise stay billed until a lifecycle rule removes them.
    func abortMultipartUpload(key: String, uploadID: String) async {
        _ = try? await send(operation: "ABORT-MULTIPART", key: key, method: "DELETE", query: [("uploadId", uploadID)])
    }

    public func deleteObject(key: String) async throws {
        _ = try await send(operation: "DELETE", key: key, method: "DELETE")
    }

    /// The "folders" directly under `prefix`: ListObjectsV2 with a `/` delimiter, every page.
    func listCommonPrefixes(prefix: String) async throws -> [String] {
        var prefixes: [String] = []
        var token: String? = nil
        repeat {
            var query: [(name: String, value: String)] = [("delimiter", "/"), ("list-type", "2"), ("prefix", prefix)]
            if let token { query.insert(("continuation-token", token), at: 0) }
            let response = try await send(operation: "LIST", key: nil, method: "GET", query: query, resourceName: resource(prefix))
            let page = try S3XML.parseCommonPrefixes(response.body)
            prefixes += page.prefixes
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return prefixes
    }

    /// One page of ListObjectsV2.
    func listObjects(prefix: String, startAfter: String?, continuationToken: String?, maxKeys: Int = 1000) async throws -> S3XML.ListPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(maxKeys))]
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let startAfter, continuationToken == nil { query.append(("start-after", startAfter)) }
        // A page that does not parse is a damaged response: retried like a 5xx.
        var attempt = 0
        while true {
            attempt += 1
            let response = try await send(operation: "LIST", key: nil, method: "GET", query: query, resourceName: resource(prefix))
            do { return try S3XML.parseListPage(response.body) } catch {
                guard attempt < configuration.maxAttempts else {
                    throw S3Error(operation: "LIST", resource: resource(prefix), status: 200, code: nil, message: "unreadable listing: \(error)", attempts: attempt)
                }
            }
            try await backOff(after: attempt)
        }
    }

    /// Full jitter: a random wait up to an exponentially growing cap (0.1 s, 0.2 s, 0.4 s, ... 5 s).
    func backOff(after attempt: Int) async throws {
        let cap = min(5.0, 0.1 * pow(2.0, Double(attempt - 1)))
        try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0.05...1.0) * cap * 1e9))
    }

    // MARK: - Requests

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    private func send(
        operation: String, key: String?, method: String, query: [(name: String, value: String)] = [],
        body: [UInt8] = [], headers: [String: String] = [:], resourceName: String? = nil
    ) async throws -> Response {
        let name = resourceName ?? resource(key ?? "")
        let payloadHash = body.isEmpty ? SigV4.emptyPayloadSHA256 : hexString(SHA256.hash(body))
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await sendOnce(
                    operation: operation, key: key, method: method, query: query, body: body, headers: headers,
                    payloadHash: payloadHash, resourceName: name)
            } catch var error as S3Error {
                error.attempts = attempt
                guard error.isTransient, attempt < configuration.maxAttempts else { throw error }
            }
            try await backOff(after: attempt)
        }
    }

    private func sendOnce(
        operation: String, key: String?, method: String, query: [(name: String, value: String)], body: [UInt8],
        headers: [String: String], payloadHash: String, resourceName: String
    ) async throws -> Response {
        let (host, scheme, path) = address(key: key)
        let queryString = SigV4.canonicalQueryString(query)
        guard let url = URL(string: "\(scheme)://\(host)\(path)\(queryString.isEmpty ? "" : "?" + queryString)") else {
            throw S3Error(operation: operation, resource: resourceName, status: nil, code: nil, message: "cannot form a URL", attempts: 1)
        }
        let signed = SigV4.sign(
            SigningRequest(method: method, host: host, encodedPath: path, query: query, headers: headers, payloadSHA256: payloadHash),
            credentials: configuration.credentials, region: configuration.region, date: Date())
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = configuration.requestTimeout
        for (name, value) in headers.merging(signed, uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        if !body.isEmpty { request.httpBody = Data(body) }

        let data: Data
        let urlResponse: URLResponse
        do {
            (data, urlResponse) = try await HTTPTransfer.send(request, on: session, timeout: configuration.requestTimeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw S3Error(operation: operation, resource: resourceName, status: nil, code: nil, message: describe(error), attempts: 1)
        }
        guard let http = urlResponse as? HTTPURLResponse else {
            throw S3Error(operation: operation, resource: resourceName, status: nil, code: nil, message: "not an HTTP response", attempts: 1)
        }
        var responseHeaders: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { responseHeaders[name.lowercased()] = value }
        }
        guard (200..<300).contains(http.statusCode) else {
            let body = S3XML.parseError(data)
            throw S3Error(
                operation: operation, resource: resourceName, status: http.statusCode,
                code: body.code ?? (http.statusCode == 404 ? "NoSuchKey" : nil), message: body.message, attempts: 1)
        }
        return Response(status: http.statusCode, headers: responseHeaders, body: data)
    }

    /// Host (with a non-default port, as curl sends it), scheme and encoded path of a request.
    private func address(key: String?) -> (host: String, scheme: String, path: String) {
        let endpoint = configuration.endpoint
        let scheme = endpoint.scheme ?? "https"
        var host = endpoint.host ?? "localhost"
        if let port = endpoint.port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) {
            host += ":\(port)"
        }
        let basePath = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        let encodedKey = key.map { S3URIEncoding.encode($0, keepSlash: true) }
        switch configuration.addressing {
        case .path:
            let bucket = S3URIEncoding.encode(configuration.bucket, keepSlash: false)
            return (host, scheme, "\(basePath)/\(bucket)" + (encodedKey.map { "/" + $0 } ?? ""))
        case .virtualHosted:
            return ("\(configuration.bucket).\(host)", scheme, "\(basePath)/" + (encodedKey ?? ""))
        }
    }

    private func describe(_ error: Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .timedOut: return "timed out after \(Int(configuration.requestTimeout)) s"
            case .cannotConnectToHost: return "cannot connect to \(AWSEnvironment.redactedEndpoint(configuration.endpoint.absoluteString)) (connection refused?)"
            case .cannotFindHost: return "cannot resolve the host of \(AWSEnvironment.redactedEndpoint(configuration.endpoint.absoluteString))"
            case .networkConnectionLost: return "connection lost"
            default: return error.localizedDescription
            }
        }
        return "\(error)"
    }
}
