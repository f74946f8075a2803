import Foundation

/// Options for opening a store from a URL.
public struct StoreOptions: Sendable {
    public var layout: KeyLayout
    /// S3 only: endpoint (overrides the environment), region, profile and addressing.
    public var endpoint: String?
    public var region: String?
    public var profile: String?
    public var addressing: S3Configuration.Addressing?
    public var requestTimeout: TimeInterval
    public var maxAttempts: Int
    public var environment: [String: String]

    public init(
        layout: KeyLayout = .standard, endpoint: String? = nil, region: String? = nil, profile: String? = nil,
        addressing: S3Configuration.Addressing? = nil, requestTimeout: TimeInterval = 30, maxAttempts: Int = 4,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.layout = layout
        self.endpoint = endpoint
        self.region = region
        self.profile = profile
        self.addressing = addressing
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.environment = environment
    }
}

/// Opens the store a URL names: `file:///abs/dir` or a plain path for a local directory,
/// `s3://bucket/prefix` for S3 (endpoint and credentials from `options` and the environment).
public func openStore(_ url: String, options: StoreOptions = StoreOptions()) throws -> any FullProfileStore {
    if url.hasPrefix("s3://") {
        let rest = url.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = String(rest.dropFirst(bucket.count))
        guard !bucket.isEmpty else { throw StoreError("invalid store URL '\(url)': no bucket (expected s3://BUCKET[/PREFIX])") }
        let environment = try AWSEnvironment.resolve(
            environment: options.environment, profile: options.profile, region: options.region, endpoint: options.endpoint)
        let endpoint = environment.endpoint ?? URL(string: "https://s3.\(environment.region).amazonaws.com")!
        // Custom endpoints (MinIO, SeaweedFS, ...) mostly want path-style; AWS wants virtual-hosted.
        let addressing = options.addressing ?? (environment.endpoint == nil ? .virtualHosted : .path)
        let client = S3Client(S3Configuration(
            endpoint: endpoint, region: environment.region, bucket: bucket, addressing: addressing,
            credentials: environment.credentials, requestTimeout: options.requestTimeout, maxAttempts: options.maxAttempts))
        return S3Store(client: client, prefix: prefix, layout: options.layout)
    }
    if url.hasPrefix("file://") {
        let path = String(url.dropFirst("file://".count))
        guard path.hasPrefix("/") else { throw StoreError("invalid store URL '\(url)': file:// needs an absolute path (file:///dir)") }
        return LocalDirectoryStore(root: path.removingPercentEncoding ?? path, layout: options.layout)
    }
    if let scheme = url.range(of: "://") {
        throw StoreError("unsupported store URL '\(url)': scheme '\(url[..<scheme.lowerBound])' (use s3:// or file://, or a path)")
    }
    guard !url.isEmpty else { throw StoreError("empty store URL") }
    let absolute = url.hasPrefix("/") ? url : FileManager.default.currentDirectoryPath + "/" + url
    return LocalDirectoryStore(root: (absolute as NSString).standardizingPath, layout: options.layout)
}
