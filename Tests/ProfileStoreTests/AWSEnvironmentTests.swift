import Foundation
import TestSupport
import Testing
@testable import ProfileStore

@Suite struct AWSEnvironmentTests {
    func files(credentials: String, config: String) throws -> (String, String) {
        let directory = try temporaryDirectory()
        try credentials.write(toFile: directory + "/credentials", atomically: true, encoding: .utf8)
        try config.write(toFile: directory + "/config", atomically: true, encoding: .utf8)
        return (directory + "/credentials", directory + "/config")
    }

    @Test func environmentVariablesComeFirst() throws {
        let env = try AWSEnvironment.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
            "AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "us-west-2", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:2", "HOME": "/nonexistent",
        ])
        #expect(env.credentials == AWSCredentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
        #expect(env.region == "eu-west-3")
        #expect(env.endpoint?.absoluteString == "http://127.0.0.1:2")
    }

    @Test func profilesFromTheSharedFiles() throws {
        let (credentials, config) = try files(
            credentials: """
                [default]
                aws_access_key_id = DEFAULTKEY
                aws_secret_access_key = DEFAULTSECRET

                # a comment
                [ci]
                aws_access_key_id=CIKEY
                aws_secret_access_key=CISECRET
                aws_session_token = CITOKEN
                """,
            config: """
                [default]
                region = us-east-2
                [profile ci]
                region = ap-south-1
                endpoint_url = http://127.0.0.1:8333
                s3 =
                  addressing_style = path
                """)
        let base = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]
        let byDefault = try AWSEnvironment.resolve(environment: base)
        #expect(byDefault.credentials.accessKeyID == "DEFAULTKEY")
        #expect(byDefault.region == "us-east-2")
        #expect(byDefault.endpoint == nil)
        let ci = try AWSEnvironment.resolve(environment: base.merging(["AWS_PROFILE": "ci"]) { $1 })
        #expect(ci.credentials == AWSCredentials(accessKeyID: "CIKEY", secretAccessKey: "CISECRET", sessionToken: "CITOKEN"))
        #expect(ci.region == "ap-south-1")
        #expect(ci.endpoint?.absoluteString == "http://127.0.0.1:8333")
        // Explicit arguments beat everything.
        let explicit = try AWSEnvironment.resolve(environment: base, profile: "ci", region: "eu-north-1", endpoint: "https://example.test")
        #expect(explicit.region == "eu-north-1" && explicit.endpoint?.host == "example.test")
    }

    @Test func missingCredentialsSayWhereTheyWereLookedFor() {
        let error = #expect(throws: StoreError.self) {
            try AWSEnvironment.resolve(environment: ["HOME": "/nonexistent", "AWS_PROFILE": "prod"])
        }
        #expect(error?.message.contains("AWS_ACCESS_KEY_ID") == true)
        #expect(error?.message.contains("profile 'prod'") == true)
        #expect(error?.message.contains("/nonexistent/.aws/credentials") == true)
    }

    @Test func badEndpointIsRefused() {
        #expect(throws: StoreError.self) {
            try AWSEnvironment.resolve(environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "127.0.0.1:9000"])
        }
    }

    /// Endpoints that would fail on every request, or silently lose a part, are refused at once;
    /// a password in one never appears in a message (issue 11).
    @Test func badEndpointsAreRefusedWithTheSecretRedacted() throws {
        for (endpoint, problem) in [
            ("http://127.0.0.1:99999", "port 99999 is out of range (1-65535)"),
            ("http://127.0.0.1:9000/?x=1", "an endpoint takes no query ('?x=1')"),
            ("http://127.0.0.1:9000/#frag", "an endpoint takes no fragment ('#frag')"),
            ("ftp://host", "expected http://HOST[:PORT] or https://HOST[:PORT]"),
            ("http://u:SECRET@127.0.0.1:99999", "port 99999"),
        ] {
            let error = #expect(throws: StoreError.self) { try AWSEnvironment.endpoint(parsing: endpoint) }
            #expect(error?.description.contains(problem) == true, "\(endpoint): \(String(describing: error))")
            #expect(error?.description.contains("SECRET") == false)
        }
        #expect(try AWSEnvironment.endpoint(parsing: "http://u:SECRET@minio:9000").host == "minio")
        #expect(AWSEnvironment.redactedEndpoint("http://u:SECRET@minio:9000") == "http://u:***@minio:9000")
        #expect(AWSEnvironment.redactedEndpoint("http://minio:9000") == "http://minio:9000")
    }
}
