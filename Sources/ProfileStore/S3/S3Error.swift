import Foundation

/// A failed S3 request: what was asked, the HTTP status and S3's error code and message.
/// Never carries credentials: S3's error bodies hold none, and only their Code and Message are kept.
public struct S3Error: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    /// `s3://bucket/key` of the object or bucket involved.
    public var resource: String
    public var status: Int?
    public var code: String?
    public var message: String?
    public var attempts: Int

    public var description: String {
        var text = "S3 \(operation) \(resource) failed"
        if let status { text += ": HTTP \(status)" }
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        return text
    }

    /// Whether trying again may succeed: server errors, throttling and timeouts.
    var isTransient: Bool {
        if let code, ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException", "RequestLimitExceeded"].contains(code) {
            return true
        }
        guard let status else { return true }  // no response at all: connection refused, reset, timed out
        return status == 429 || status >= 500
    }
}
