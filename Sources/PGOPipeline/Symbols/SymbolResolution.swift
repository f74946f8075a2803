import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof
import ProfileStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the symbol files of a window's builds may be found, in the order they are tried.
public struct SymbolSources: Sendable {
    /// Binaries on disk (`--binary`), matched to the profile's builds by build ID.
    public var binaries: [String]
    /// The store's `buildid/` area.
    public var store: (any SymbolStore)?
    /// debuginfod servers (`DEBUGINFOD_URLS`), asked for `/buildid/ID/debuginfo`, then `/executable`.
    public var debuginfodURLs: [URL]
    /// Where fetched symbol files are kept by build ID, so the next build downloads nothing; nil
    /// keeps them only for this run.
    public var cacheDirectory: String?
    /// Limit of one debuginfod request, in seconds.
    public var timeout: TimeInterval

    public init(binaries: [String] = [], store: (any SymbolStore)? = nil, debuginfodURLs: [URL] = [], cacheDirectory: String? = nil, timeout: TimeInterval = 300) {
        self.binaries = binaries
        self.store = store
        self.debuginfodURLs = debuginfodURLs
        self.cacheDirectory = cacheDirectory
        self.timeout = timeout
    }

    /// The servers of `DEBUGINFOD_URLS`: space-separated, as elfutils reads it.
    public static func debuginfodURLs(environment: [String: String]) -> [URL] {
        (environment["DEBUGINFOD_URLS"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .compactMap { URL(string: String($0).hasSuffix("/") ? String($0.dropLast()) : String($0)) }
            .filter { $0.scheme == "http" || $0.scheme == "https" }
    }
}

/// A symbol file found for one build, and where it came from.
public struct ResolvedSymbolFile: Sendable, Equatable, Codable {
    /// `binary` (a --binary path), `local` (the mapped file itself, on this machine), `store` or `debuginfod`.
    public var source: String
    /// The path, store object or URL it came from.
    public var location: String
    public var sha256: String
    /// Where it is on disk now (not written to the manifest).
    public var path: String

    enum CodingKeys: String, CodingKey { case source, location, sha256 }

    public init(source: String, location: String, sha256: String, path: String) {
        (self.source, self.location, self.sha256, self.path) = (source, location, sha256, path)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decode(String.self, forKey: .source)
        location = try container.decode(String.self, forKey: .location)
        sha256 = try container.decode(String.self, forKey: .sha256)
        path = ""
    }
}

/// Finding each build's symbol file: `--binary` paths by build ID, then (for shared libraries)
/// the mapped file itself, then the cache, the store's `buildid/` area and debuginfod servers.
/// Every file is checked to carry the build ID it was fetched for before it is used.
struct SymbolResolver: Sendable {
    var sources: SymbolSources
    /// Where downloads go when there is no cache.
    var scratch: String

    /// The symbol file of `binary`, or nil with what was tried.
    func resolve(_ binary: Symbolization.Binary, givenBinaries: [BinaryIdentity: String]) async -> (ResolvedSymbolFile?, problem: String?) {
        if let path = givenBinaries[binary.identity] { return (try? await resolved(path, source: "binary", location: path), nil) }
        guard let buildID = binary.identity.buildID else {
            // A shared library without a build ID cannot be checked against a file: left as it is.
            return (nil, binary.isProfiled ? "no build ID in the profile, so no symbol file can be looked up (give it with --binary)" : nil)
        }
        if !binary.isProfiled, let file = binary.files.first(where: { (try? ELFBuildID.read($0)) == buildID }) {
            return (try? await resolved(file, source: "local", location: file), nil)
        }
        var tried: [String] = []
        let cached = cachePath(buildID)
        if FileInfo.exists(cached), (try? ELFBuildID.read(cached)) == buildID,
           let origin = try? String(contentsOfFile: cached + ".source", encoding: .utf8).split(separator: "\t", maxSplits: 1),
           origin.count == 2, let file = try? await resolved(cached, source: String(origin[0]), location: String(origin[1]) + " (cached)") {
            return (file, nil)
        }
        if let store = sources.store {
            do {
                if let stored = try await store.symbolFile(buildID: buildID, kind: .debuginfo) {
                    try AtomicFile.createDirectory((cached as NSString).deletingLastPathComponent)
                    try await store.downloadSymbolFile(stored, to: cached)
                    return try await (checked(cached, buildID: buildID, source: "store", location: store.location + "/" + stored.key), nil)
                }
                tried.append("not in \(store.location)/\(SymbolKey.area)/")
            } catch {
                tried.append("\(store.location): \(error)")
            }
        }
        if binary.isProfiled {
            for server in sources.debuginfodURLs {
                for kind in SymbolFileKind.allCases {
                    let url = server.appendingPathComponent(SymbolKey.area).appendingPathComponent(buildID).appendingPathComponent(kind.rawValue)
                    do {
                        let body = try await HTTPGet.body(of: url, timeout: sources.timeout)
                        try AtomicFile.createDirectory((cached as NSString).deletingLastPathComponent)
                        try AtomicFile.write(body, to: cached)
                        return try await (checked(cached, buildID: buildID, source: "debuginfod", location: url.absoluteString), nil)
                    } catch let error as HTTPError where error.status == 404 {
                        continue
                    } catch {
                        tried.append("\(url.absoluteString): \(HTTPGet.describe(error))")
                        break
                    }
                }
                if tried.last?.hasPrefix(server.absoluteString) != true { tried.append("not on \(server.absoluteString)") }
            }
            if sources.debuginfodURLs.isEmpty { tried.append("no DEBUGINFOD_URLS") }
        }
        return (nil, tried.joined(separator: "; "))
    }

    private func cachePath(_ buildID: String) -> String {
        (sources.cacheDirectory ?? scratch) + "/\(SymbolKey.area)/\(buildID)/debuginfo"
    }

    /// A downloaded file, once it is an ELF with the build ID it was fetched for; its origin is
    /// kept next to it for the manifests of later builds that find it in the cache.
    private func checked(_ path: String, buildID: String, source: String, location: String) async throws -> ResolvedSymbolFile {
        let actual = try ELFBuildID.read(path)
        guard actual == buildID else {
            AtomicFile.remove(path)
            throw SymbolizationError(description: "\(location) is not the symbol file of \(buildID): it has build ID \(actual ?? "(none)")")
        }
        try? AtomicFile.write(Array("\(source)\t\(location)".utf8), to: path + ".source")
        return try await resolved(path, source: source, location: location)
    }

    private func resolved(_ path: String, source: String, location: String) async throws -> ResolvedSymbolFile {
        var hash = SHA256()
        try await ChunkedFile(path: path).forEachPiece(of: 4 << 20) { hash.update($0) }
        return ResolvedSymbolFile(source: source, location: location, sha256: hexString(hash.finalize()), path: path)
    }
}
