import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plain HTTP GETs of whole bodies, for pulling profiles from a service's `net/http/pprof`.
public enum HTTPGet {
    /// Downloads `url` within `timeout` seconds (the whole request, not each read), returning the
    /// body; throws `HTTPError` on anything but a complete 2xx response, and `CancellationError`
    /// promptly when its task is cancelled (the request itself is abandoned, never cancelled: see
    /// `HTTPTransfer`).
    public static func body(of url: URL, timeout: TimeInterval) async throws -> [UInt8] {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        let data: Data, response: URLResponse
        do {
            (data, response) = try await HTTPTransfer.send(request, on: session, timeout: timeout)
        } catch let error as URLError where error.code == .timedOut {
            throw HTTPError(url: url, status: nil, message: "no complete response within \(formatSeconds(timeout))")
        }
        return try complete(url, data: data, response: response)
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration)
    }()

    /// The body of a finished request, or why it is not a complete 2xx response.
    private static func complete(_ url: URL, data: Data, response: URLResponse) throws -> [UInt8] {
        guard let http = response as? HTTPURLResponse else { throw HTTPError(url: url, status: nil, message: "not an HTTP response") }
        let body = [UInt8](data)
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
