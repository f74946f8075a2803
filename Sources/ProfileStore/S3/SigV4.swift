// AWS Signature Version 4 for the S3 store, header-based (Authorization header), following
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and cross-checked
// against botocore in the tests.

import BinaryFormats
import Foundation

/// Credentials for signing. `description`, `debugDescription` and the reflection (`dump`,
/// `Mirror`) never contain the secret or the session token, so credentials can be logged or
/// end up in error messages without leaking.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        let token = sessionToken == nil ? "" : ", sessionToken: <redacted>"
        return "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>\(token))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        var children: [(label: String?, value: Any)] = [
            ("accessKeyID", accessKeyID), ("secretAccessKey", "<redacted>"),
        ]
        if sessionToken != nil { children.append(("sessionToken", "<redacted>")) }
        return Mirror(self, children: children, displayStyle: .struct)
    }
}

/// Everything that SigV4 signs, exactly as it will be sent.
public struct SigningRequest: Sendable {
    /// "GET", "PUT", ...
    public var method: String
    /// Exactly the Host header that will be sent, including ":port" when not the scheme's
    /// default, e.g. "127.0.0.1:8333". Lowercase, as HTTP clients send it.
    public var host: String
    /// The path as it goes on the wire, already encoded by `S3URIEncoding.encode(_, keepSlash: true)`
    /// (e.g. "/bucket/a%20b/%E2%9C%93.pb.gz"). S3 signs it as is; other services get it encoded a
    /// second time, as SigV4 prescribes for them. An empty path is signed as "/".
    public var encodedPath: String
    /// Raw (unencoded) query parameters; the signer encodes and sorts them. Put
    /// `SigV4.canonicalQueryString(query)` on the URL so that what is sent is what was signed.
    public var query: [(name: String, value: String)]
    /// Extra headers to sign (e.g. content-type); names are case-insensitive. The signer's own
    /// host, x-amz-date, x-amz-content-sha256, x-amz-security-token and authorization take
    /// precedence over entries here with the same name.
    public var headers: [String: String]
    /// Lowercase hex of the body's SHA-256, or "UNSIGNED-PAYLOAD".
    public var payloadSHA256: String

    public init(
        method: String, host: String, encodedPath: String, query: [(name: String, value: String)] = [],
        headers: [String: String] = [:], payloadSHA256: String
    ) {
        self.method = method
        self.host = host
        self.encodedPath = encodedPath
        self.query = query
        self.headers = headers
        self.payloadSHA256 = payloadSHA256
    }
}

public enum SigV4 {
    /// The payload hash S3 accepts in place of a body hash.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of the empty body, the payload hash of GET, HEAD and DELETE.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Returns the headers to add to the request: "Authorization", "x-amz-date",
    /// "x-amz-content-sha256", and "x-amz-security-token" when the credentials carry a session
    /// token. host, x-amz-date, x-amz-content-sha256 (and the token) and all `request.headers`
    /// are signed.
    public static func sign(
        _ request: SigningRequest, credentials: AWSCredentials, region: String, service: String = "s3", date: Date
    ) -> [String: String] {
        signature(request, credentials: credentials, region: region, service: service, date: date).addedHeaders
    }

    /// The canonical query string for the same params (sorted by encoded name then value, both
    /// encoded with S3URIEncoding.encode(_, keepSlash: false)), which the S3 client must put on
    /// the URL byte for byte.
    public static func canonicalQueryString(_ query: [(name: String, value: String)]) -> String {
        let encoded = query.map {
            (name: S3URIEncoding.encode($0.name, keepSlash: false), value: S3URIEncoding.encode($0.value, keepSlash: false))
        }
        // Byte order, as AWS specifies; the encoded strings are ASCII anyway.
        let sorted = encoded.sorted { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
            return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    // MARK: - Internals, visible to tests for diagnosing mismatches

    /// Every intermediate of one signing.
    struct Signature {
        var canonicalRequest: String
        var stringToSign: String
        var signedHeaders: String
        var signature: String
        var addedHeaders: [String: String]
    }

    static func signature(
        _ request: SigningRequest, credentials: AWSCredentials, region: String, service: String, date: Date
    ) -> Signature {
        let (amzDate, day) = timestamps(date)

        // Canonical headers: lowercase names, values trimmed with inner whitespace runs
        // collapsed; a name given twice (in different case) gets its values comma-joined.
        var canonical: [String: String] = [:]
        for (name, value) in request.headers.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            let lowered = name.lowercased()
            let trimmed = trimAll(value)
            canonical[lowered] = canonical[lowered].map { "\($0),\(trimmed)" } ?? trimmed
        }
        canonical["authorization"] = nil
        canonical["host"] = request.host
        canonical["x-amz-date"] = amzDate
        canonical["x-amz-content-sha256"] = request.payloadSHA256
        canonical["x-amz-security-token"] = credentials.sessionToken

        let names = canonical.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonicalHeaders = names.map { "\($0):\(canonical[$0]!)\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let path = request.encodedPath.isEmpty ? "/" : request.encodedPath
        // S3 signs the path as sent; every other service signs it encoded once more.
        let canonicalURI = service == "s3" ? path : S3URIEncoding.encode(path, keepSlash: true)

        let canonicalRequest = [
            request.method.uppercased(),
            canonicalURI,
            canonicalQueryString(request.query),
            canonicalHeaders,
            signedHeaders,
            request.payloadSHA256,
        ].joined(separator: "\n")

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            amzDate,
            scope,
            hexString(SHA256.hash(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")

        var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [day, region, service, "aws4_request"] {
            key = HMACSHA256.authenticationCode(key: key, message: Array(part.utf8))
        }
        let signature = hexString(HMACSHA256.authenticationCode(key: key, message: Array(stringToSign.utf8)))

        var added = [
            "Authorization":
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)",
            "x-amz-date": amzDate,
            "x-amz-content-sha256": request.payloadSHA256,
        ]
        if let token = credentials.sessionToken { added["x-amz-security-token"] = token }
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders,
            signature: signature, addedHeaders: added)
    }

    /// SigV4's Trimall: no leading or trailing whitespace, inner runs of spaces and tabs become
    /// one space.
    static func trimAll(_ value: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The x-amz-date ("yyyyMMdd'T'HHmmss'Z'", UTC) and the scope date ("yyyyMMdd") of `date`,
    /// computed arithmetically so neither locale nor time zone settings can change them.
    static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSince1970: days)
        let dayString = pad(year, 4) + pad(month, 2) + pad(day, 2)
        let time = pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2)
        return (dayString + "T" + time + "Z", dayString)
    }

    private static func floorDivision(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a >= 0 ? a / b : (a - (b - 1)) / b
        return (q, a - q * b)
    }

    /// Proleptic Gregorian (year, month, day) of a day count from 1970-01-01, by shifting to
    /// years that start on March 1 so the leap day falls at the end of a 400-year era.
    private static func civilDate(daysSince1970: Int64) -> (Int64, Int64, Int64) {
        let shifted = daysSince1970 + 719_468  // days from 0000-03-01 to 1970-01-01
        let era = floorDivision(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365], from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // [0, 11], 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
