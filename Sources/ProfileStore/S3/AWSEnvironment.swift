import Foundation

/// Finds credentials, region and endpoint the way AWS tools do, so a store works wherever the
/// aws CLI does:
/// - credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), else the
///   profile `AWS_PROFILE` (or `default`) of `~/.aws/credentials` and `~/.aws/config`;
/// - region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else `us-east-1`;
/// - endpoint: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else AWS.
/// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` move the two files.
public struct AWSEnvironment: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    /// nil: AWS itself.
    public var endpoint: URL?
    public var profileName: String

    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        profile explicitProfile: String? = nil, region explicitRegion: String? = nil, endpoint explicitEndpoint: String? = nil
    ) throws -> AWSEnvironment {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let profileName = explicitProfile ?? environment["AWS_PROFILE"] ?? "default"
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials"
        let configFile = environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config"
        let fromCredentials = try INIFile.read(credentialsFile)?[profileName] ?? [:]
        let configSection = profileName == "default" ? "default" : "profile \(profileName)"
        let fromConfig = try INIFile.read(configFile)?[configSection] ?? [:]
        let fromProfile = fromConfig.merging(fromCredentials) { $1 }

        let credentials: AWSCredentials
        if let key = nonEmpty(environment["AWS_ACCESS_KEY_ID"]), let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"]) {
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]))
        } else if let key = nonEmpty(fromProfile["aws_access_key_id"]), let secret = nonEmpty(fromProfile["aws_secret_access_key"]) {
            credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(fromProfile["aws_session_token"]))
        } else {
            throw StoreError("""
                no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile '\(profileName)' \
                aws_access_key_id and aws_secret_access_key in \(credentialsFile)
                """)
        }
        let region = nonEmpty(explicitRegion) ?? nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"])
            ?? nonEmpty(fromProfile["region"]) ?? "us-east-1"
        var endpoint: URL? = nil
        if let text = nonEmpty(explicitEndpoint) ?? nonEmpty(environment["AWS_ENDPOINT_URL_S3"]) ?? nonEmpty(environment["AWS_ENDPOINT_URL"])
            ?? nonEmpty(fromProfile["endpoint_url"])
        {
            endpoint = try Self.endpoint(parsing: text)
        }
        return AWSEnvironment(credentials: credentials, region: region, endpoint: endpoint, profileName: profileName)
    }
}

private func nonEmpty(_ value: String?) -> String? {
    guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
    return value
}

/// The INI dialect of ~/.aws/credentials and ~/.aws/config: `[section]` and `key = value` lines;
/// `#` and `;` start comments; indented lines (nested settings) are ignored.
enum INIFile {
    static func read(_ path: String) throws -> [String: [String: String]]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StoreError("cannot read \(path)")
        }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String? = nil
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}

extension AWSEnvironment {
    /// An S3 endpoint: `http(s)://[USER[:PASSWORD]@]HOST[:PORT][/PATH]`. A port outside 1-65535, a
    /// query or a fragment is refused (they would be dropped or fail on every request); errors
    /// show the endpoint with its password redacted.
    public static func endpoint(parsing text: String) throws -> URL {
        let shown = redactedEndpoint(text)
        func invalid(_ problem: String) -> StoreError { StoreError("invalid S3 endpoint '\(shown)': \(problem)") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw invalid("expected http://HOST[:PORT] or https://HOST[:PORT]") }
        if let port = components.port, !(1...65_535).contains(port) { throw invalid("port \(port) is out of range (1-65535)") }
        guard components.query == nil else { throw invalid("an endpoint takes no query ('?\(components.query!)')") }
        guard components.fragment == nil else { throw invalid("an endpoint takes no fragment ('#\(components.fragment!)')") }
        guard let url = components.url else { throw invalid("not a URL") }
        return url
    }

    /// `text` with the password of any `user:password@` part replaced by `***`, for messages.
    public static func redactedEndpoint(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(an endpoint with credentials)"
    }
}
