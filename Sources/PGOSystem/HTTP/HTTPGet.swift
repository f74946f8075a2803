import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plain HTTP GETs of whole bodies, for pulling profiles from a service's `net/http/pprof`.
public enum HTTPGet {
    /// Downloads `url` within `timeout` seconds, returning the body; throws `HTTPError` on anything
    /// but a complete 2xx response, and `CancellationError` promptly when its task is cancelled.
    /// The whole request, not just each read, is limited to `timeout`.
    public static func body(of url: URL, timeout: TimeInterval) async throws -> [UInt8] {
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask { try await get(url, timeout: timeout) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(min(max(timeout, 0.001), 1e9) * 1e9))
                throw HTTPError(url: url, status: nil, message: "no complete response within \(formatSeconds(timeout))")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration)
    }()

    private static func get(_ url: URL, timeout: TimeInterval) async throws -> [UInt8] {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        let latch = CancellationLatch<URLSessionDataTask> { $0.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    continuation.resume(with: Result { try complete(url, data: data, response: response, error: error) })
                }
                task.resume()
                latch.attach(task)
            }
        } onCancel: {
            latch.request()
        }
    }

    /// The body of a finished request, or why it is not a complete 2xx response.
    private static func complete(_ url: URL, data: Data?, response: URLResponse?, error: (any Error)?) throws -> [UInt8] {
        if let error { throw (error as? URLError)?.code == .cancelled ? CancellationError() : error }
        guard let http = response as? HTTPURLResponse else { throw HTTPError(url: url, status: nil, message: "not an HTTP response") }
        let body = [UInt8](data ?? Data())
        guard (200..<300).contains(http.statusCode) else {
            let text = String(decoding: body.prefix(300), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
            throw HTTPError(url: url, status: http.statusCode, message: text)
        }
        // A body shorter than Content-Length is a cut-off download, never a profile.
        // (Unless the transport decoded a Content-Encoding, which changes the length.)
        let encoded = http.value(forHTTPHeaderField: "Content-Encoding").map { !$0.isEmpty && $0 != "identity" } ?? false
        if !encoded, http.expectedContentLength >= 0, Int64(body.count) != http.expectedContentLength {
            throw HTTPError(url: url, status: http.statusCode, message: "incomplete body: \(body.count) of \(http.expectedContentLength) bytes")
        }
        return body
    }

    /// An error as a short message: HTTP errors as they describe themselves, URLErrors with their code.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPError { return error.description }
        if let error = error as? URLError { return "\(error.localizedDescription) (URLError \(error.code.rawValue))" }
        return String(describing: error)
    }
}

/// A response other than a complete 2xx, or none in time.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var url: URL
    public var status: Int?
    public var message: String

    public init(url: URL, status: Int?, message: String) {
        self.url = url
        self.status = status
        self.message = message
    }

    public var description: String {
        guard let status else { return message }
        return "HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
    }
}
