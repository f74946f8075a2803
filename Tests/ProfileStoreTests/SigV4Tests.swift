import Foundation
import TestSupport
import BinaryFormats
import Testing
@testable import ProfileStore

@Suite struct SigV4Tests {
    static let exampleCredentials = AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    /// The published example "GET Object" of the S3 SigV4 documentation
    /// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
    @Test func awsDocumentationExample() throws {
        let request = SigningRequest(
            method: "GET", host: "examplebucket.s3.amazonaws.com", encodedPath: "/test.txt", query: [],
            headers: ["Range": "bytes=0-9"], payloadSHA256: SigV4.emptyPayloadSHA256)
        let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
        let details = SigV4.signature(request, credentials: Self.exampleCredentials, region: "us-east-1", service: "s3", date: date)
        #expect(
            details.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            details.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """)
        #expect(details.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")

        let headers = SigV4.sign(request, credentials: Self.exampleCredentials, region: "us-east-1", date: date)
        #expect(
            headers == [
                "Authorization":
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
                "x-amz-date": "20130524T000000Z",
                "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ])
    }

    @Test func sessionTokenIsSignedAndReturned() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "tok/en+=")
        let request = SigningRequest(method: "GET", host: "h", encodedPath: "/", payloadSHA256: SigV4.unsignedPayload)
        let details = SigV4.signature(request, credentials: credentials, region: "us-east-1", service: "s3", date: Date(timeIntervalSince1970: 0))
        #expect(details.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(details.canonicalRequest.contains("\nx-amz-security-token:tok/en+=\n"))
        #expect(details.addedHeaders["x-amz-security-token"] == "tok/en+=")
        #expect(details.addedHeaders["x-amz-date"] == "19700101T000000Z")
    }

    @Test func headerCanonicalization() {
        let request = SigningRequest(
            method: "put", host: "h", encodedPath: "",
            headers: ["X-Amz-Meta-Note": "  a   b \t c  ", "content-type": "text/plain", "Authorization": "stale", "X-Amz-Date": "stale"],
            payloadSHA256: SigV4.unsignedPayload)
        let details = SigV4.signature(request, credentials: Self.exampleCredentials, region: "r", service: "s3", date: Date(timeIntervalSince1970: 0))
        #expect(
            details.canonicalRequest == """
                PUT
                /

                content-type:text/plain
                host:h
                x-amz-content-sha256:UNSIGNED-PAYLOAD
                x-amz-date:19700101T000000Z
                x-amz-meta-note:a b c

                content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-note
                UNSIGNED-PAYLOAD
                """)
    }

    @Test func uriEncoding() {
        #expect(S3URIEncoding.encode("AZaz09-._~", keepSlash: false) == "AZaz09-._~")
        #expect(S3URIEncoding.encode("a b/c", keepSlash: true) == "a%20b/c")
        #expect(S3URIEncoding.encode("a b/c", keepSlash: false) == "a%20b%2Fc")
        #expect(S3URIEncoding.encode("+=()*,:@!'$&;?#%", keepSlash: true) == "%2B%3D%28%29%2A%2C%3A%40%21%27%24%26%3B%3F%23%25")
        #expect(S3URIEncoding.encode("✓ü€", keepSlash: true) == "%E2%9C%93%C3%BC%E2%82%AC")
        #expect(S3URIEncoding.encode("", keepSlash: true) == "")
    }

    @Test func queryCanonicalization() {
        // Sorted by encoded name, then value; a name that is a prefix sorts first ("a" < "a-b"),
        // which sorting the joined "name=value" strings would get wrong ('-' < '=').
        #expect(
            SigV4.canonicalQueryString([("a-b", "1"), ("a", "z"), ("a", "y"), ("a b", "x/y+z="), ("uploads", "")])
                == "a=y&a=z&a%20b=x%2Fy%2Bz%3D&a-b=1&uploads=")
        #expect(SigV4.canonicalQueryString([]) == "")
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"),
        (1_369_353_600.0, "20130524T000000Z"),
        (951_782_400.0, "20000229T000000Z"),  // a leap day in a year divisible by 400
        (1_709_251_199.999, "20240229T235959Z"),  // fractions are truncated, never rounded up
        (4_107_542_400.0, "21000301T000000Z"),  // 2100 is not a leap year
        (-1.0, "19691231T235959Z"),
    ])
    func timestamps(_ seconds: Double, _ expected: String) {
        let (amzDate, day) = SigV4.timestamps(Date(timeIntervalSince1970: seconds))
        #expect(amzDate == expected)
        #expect(day == String(expected.prefix(8)))
    }

    @Test func credentialsNeverShowSecrets() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let token = "FQoGZXIvYXdzEXAMPLETOKEN"
        for credentials in [
            AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token),
            AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret),
        ] {
            var dumped = ""
            dump(credentials, to: &dumped)
            let renderings = [
                credentials.description, credentials.debugDescription, "\(credentials)", String(describing: credentials),
                String(reflecting: credentials), dumped, "\([credentials])", "\(Optional(credentials) as Any)",
            ]
            for rendering in renderings {
                #expect(!rendering.contains(secret), "\(rendering)")
                #expect(!rendering.contains(token), "\(rendering)")
                #expect(!rendering.contains("EXAMPLEKEY") && !rendering.contains("EXAMPLETOKEN"))
                #expect(rendering.contains("AKIAIOSFODNN7EXAMPLE"))
                #expect(rendering.contains("<redacted>"))
            }
        }
    }

    // MARK: - Against botocore

    /// One request signed by both signers.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var method: String
        var scheme = "https"
        var host = "examplebucket.s3.amazonaws.com"
        /// Raw path, encoded with S3URIEncoding (slashes kept) for both signers.
        var rawPath: String
        var query: [(name: String, value: String)] = []
        var headers: [String: String] = [:]
        /// Nil: UNSIGNED-PAYLOAD.
        var body: [UInt8]? = []
        var credentials = SigV4Tests.exampleCredentials
        var region = "us-east-1"
        var service = "s3"
        var timestamp = "20130524T000000Z"
        var seconds: Double = 1_369_353_600
        var description: String { name }

        var encodedPath: String { S3URIEncoding.encode(rawPath, keepSlash: true) }
        var payloadSHA256: String { body.map { hexString(SHA256.hash($0)) } ?? SigV4.unsignedPayload }

        var signingRequest: SigningRequest {
            SigningRequest(method: method, host: host, encodedPath: encodedPath, query: query, headers: headers, payloadSHA256: payloadSHA256)
        }

        var json: [String: Any] {
            var object: [String: Any] = [
                "method": method, "scheme": scheme, "host": host, "path": encodedPath,
                "query": query.map { [$0.name, $0.value] }, "headers": headers,
                "unsigned_payload": body == nil, "payload_sha256": payloadSHA256,
                "access_key": credentials.accessKeyID, "secret_key": credentials.secretAccessKey,
                "region": region, "service": service, "timestamp": timestamp,
            ]
            if let body { object["body_base64"] = Data(body).base64EncodedString() }
            if let token = credentials.sessionToken { object["token"] = token }
            return object
        }
    }

    static let cases: [Case] = [
        Case(name: "AWS documentation GET Object", method: "GET", rawPath: "/test.txt", headers: ["Range": "bytes=0-9"]),
        Case(
            name: "ListObjectsV2 with awkward continuation token", method: "GET", rawPath: "/",
            query: [
                ("list-type", "2"), ("prefix", "profiles/svc a/2024-01-01T00:00/"), ("delimiter", "/"),
                ("continuation-token", "1/AbC+dEf==/x=y+z"), ("max-keys", "1000"), ("encoding-type", "url"),
            ]),
        Case(
            name: "PUT unicode key with body", method: "PUT", rawPath: "/profiles/✓ünï/€-1.pb.gz",
            headers: ["Content-Type": "application/octet-stream", "Content-Length": "11"], body: Array("hello world".utf8)),
        Case(
            name: "PUT key with reserved characters, unsigned", method: "PUT", scheme: "https",
            rawPath: "/profiles/a b+c=d(e)f*g,h:i@j!k'l~m$n&o;p/q.pb.gz",
            headers: ["content-type": "application/octet-stream"], body: nil, region: "eu-west-3"),
        Case(
            name: "DELETE with session token", method: "DELETE", rawPath: "/profiles/old key.pb.gz",
            credentials: AWSCredentials(
                accessKeyID: "ASIAEXAMPLEID", secretAccessKey: "se/cr+et=", sessionToken: "IQoJb3JpZ2luX2VjE+/token=="),
            timestamp: "20240229T235959Z", seconds: 1_709_251_199.999),
        Case(
            name: "path-style on a non-default port", method: "PUT", scheme: "http", host: "127.0.0.1:8333",
            rawPath: "/pgo-bucket/svc/2024/01/02/p 1.pb.gz", headers: ["Content-Type": "application/octet-stream"],
            body: (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }, region: "eu-west-3"),
        Case(
            name: "header whitespace and case", method: "HEAD", rawPath: "/k",
            headers: ["X-Amz-Meta-Note": "  several   spaces  inside ", "x-amz-meta-Other": "v", "If-None-Match": "\"etag\""]),
        Case(
            name: "query with unicode, empty values and repeated names", method: "GET", rawPath: "/bucket/",
            query: [("prefix", "prof/✓ü"), ("uploads", ""), ("x", "2"), ("x", "1"), ("a-b", "1"), ("a", "0")],
            body: nil),
        Case(
            name: "non-S3 service double-encodes the path", method: "POST", host: "example.execute-api.us-east-1.amazonaws.com",
            rawPath: "/stage/a b/c", query: [("q", "x y")], headers: ["Content-Type": "application/json"],
            body: Array("{}".utf8), service: "execute-api"),
    ]

    @Test(.enabled(if: Botocore.peer.shouldRun, Botocore.peer.skipComment))
    func matchesBotocore() throws {
        let results = try Botocore.sign(Self.cases.map(\.json))
        try #require(results.count == Self.cases.count)
        for (testCase, result) in zip(Self.cases, results) {
            let theirs = try #require(result["headers"] as? [String: String], "\(testCase)")
            let theirsLowercased = Dictionary(theirs.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
            let details = SigV4.signature(
                testCase.signingRequest, credentials: testCase.credentials, region: testCase.region,
                service: testCase.service, date: Date(timeIntervalSince1970: testCase.seconds))
            let context = Comment(
                rawValue:
                    "\(testCase.name)\n--- ours:\n\(details.canonicalRequest)\n--- botocore:\n\(result["canonical_request"] as? String ?? "?")")
            #expect(details.canonicalRequest == result["canonical_request"] as? String, context)
            #expect(details.stringToSign == result["string_to_sign"] as? String, context)
            for (name, value) in details.addedHeaders {
                #expect(theirsLowercased[name.lowercased()] == value, "\(testCase.name): \(name)")
            }
            // botocore adds nothing we do not (it has the caller's headers plus ours).
            let extra = Set(theirsLowercased.keys).subtracting(testCase.headers.keys.map { $0.lowercased() })
                .subtracting(details.addedHeaders.keys.map { $0.lowercased() })
            #expect(extra.isEmpty, "\(testCase.name): \(extra)")
        }
    }
}

/// python3 with botocore, run on Tests/ProfileStoreTests/botocore_sign.py.
private enum Botocore {
    static let script = Fixtures.inPackage("Tests/ProfileStoreTests/botocore_sign.py")
    static let peer = Peer.botocorePython

    static func sign(_ requests: [[String: Any]]) throws -> [[String: Any]] {
        let input = try JSONSerialization.data(withJSONObject: requests)
        let output = try run(try peer.require(), [script], input: input)
        guard let results = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] else {
            throw PeerError(description: "botocore_sign.py printed no JSON list: \(String(decoding: output, as: UTF8.self))")
        }
        return results
    }

    /// Runs a child with `input` on stdin; its stderr goes to ours unless `quiet`. The scripts
    /// read all their input before writing, so writing first and reading after cannot deadlock.
    static func run(_ executable: String, _ arguments: [String], input: Data, quiet: Bool = false) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = quiet ? FileHandle.nullDevice : FileHandle.standardError
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerError(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return output
    }
}

private struct PeerError: Error, CustomStringConvertible {
    var description: String
}
