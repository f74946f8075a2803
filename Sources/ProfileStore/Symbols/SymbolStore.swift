import Foundation

/// Symbol files by GNU build ID, in the store the profiles are in: the debug info that turns a
/// profile's addresses into functions and lines long after the binary that was profiled is gone.
///
/// The layout is debuginfod's URL scheme under the store's root or prefix,
/// `[PREFIX/]buildid/<lowercase hex build ID>/debuginfo` (an ELF with DWARF line tables) and
/// optionally `.../executable`, so a store served over HTTP is a debuginfod server for gdb, perf
/// and llvm-symbolizer. Build IDs are global: every service in a store shares the area, and
/// profile retention never touches it.
///
/// Files are streamed to and from disk: a symbol file is never held in memory whole.
public protocol SymbolStore: Sendable {
    /// A description for messages: the URL without credentials.
    var location: String { get }

    /// The stored file of `buildID` and `kind`, or nil when there is none.
    func symbolFile(buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile?

    /// Uploads the file at `path` as `buildID`'s `kind`; returns what is now stored.
    @discardableResult
    func uploadSymbolFile(from path: String, buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile

    /// Downloads `file` to `path`, atomically: a failed download leaves nothing at `path`.
    func downloadSymbolFile(_ file: StoredSymbolFile, to path: String) async throws

    /// Every stored symbol file, by build ID then kind.
    func listSymbolFiles() async throws -> [StoredSymbolFile]

    func deleteSymbolFile(_ file: StoredSymbolFile) async throws
}

/// The two files debuginfod serves for a build ID.
public enum SymbolFileKind: String, Sendable, Codable, CaseIterable {
    /// An ELF with the DWARF: the unstripped binary, or `llvm-objcopy --only-keep-debug` output.
    case debuginfo
    /// The executable itself.
    case executable
}

/// One symbol file in a store.
public struct StoredSymbolFile: Hashable, Sendable, Codable {
    public var buildID: String
    public var kind: SymbolFileKind
    /// The object key (S3) or path relative to the store's root.
    public var key: String
    public var size: Int
    /// When it was stored (S3 LastModified; the file's mtime locally), for `pgo symbols prune`.
    public var modified: Date?

    public init(buildID: String, kind: SymbolFileKind, key: String, size: Int, modified: Date?) {
        self.buildID = buildID
        self.kind = kind
        self.key = key
        self.size = size
        self.modified = modified
    }
}

/// The keys of the symbol area: one place that says what a key looks like and what a build ID is.
public enum SymbolKey {
    /// The directory of the area under a store's root or prefix.
    public static let area = "buildid"

    /// `[prefix/]buildid/<id>/<kind>`.
    public static func key(prefix: String, buildID: String, kind: SymbolFileKind) -> String {
        areaPrefix(prefix) + buildID + "/" + kind.rawValue
    }

    /// `[prefix/]buildid/`: what every key of the area starts with.
    public static func areaPrefix(_ prefix: String) -> String {
        (prefix.isEmpty ? "" : prefix + "/") + area + "/"
    }

    /// The build ID and kind of a key of the area, or nil for anything else in it.
    public static func parse(_ key: String, prefix: String) -> (buildID: String, kind: SymbolFileKind)? {
        let start = areaPrefix(prefix)
        guard key.hasPrefix(start) else { return nil }
        let parts = key.dropFirst(start.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = SymbolFileKind(rawValue: String(parts[1])), (try? validate(String(parts[0]))) != nil else { return nil }
        return (String(parts[0]), kind)
    }

    /// A build ID as the area keys it: lowercase hex, 2 to 128 digits, an even count (GNU build
    /// IDs are 20 bytes from ld's sha1, 16 from md5 or xxhash, 8 from lld's fast hash).
    public static func validate(_ buildID: String) throws -> String {
        let utf8 = buildID.utf8
        guard (2...128).contains(utf8.count), utf8.count % 2 == 0,
              utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw StoreError("invalid build ID '\(buildID.prefix(140))': expected 2 to 128 lowercase hex digits")
        }
        return buildID
    }
}
