import BinaryFormats
import Foundation
import PGOSystem
import Pprof

/// A profile store in a local directory (or a shared mount).
///
/// Writes go to a temporary file that is flushed and renamed into place, then the directory is
/// flushed, so a crash never leaves a partial profile and concurrent writers never see each
/// other's half-written files. A temporary file a killed writer left behind is reported by
/// listings and removed by a later write once it is an hour old. Nothing inside the root is
/// followed if it is a symbolic link: reads, writes and deletes stay in the store.
public struct LocalDirectoryStore: ProfileStore {
    public let root: String
    let scheme: KeyScheme

    public init(root: String, layout: KeyLayout = .standard) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.scheme = KeyScheme(layout: layout, isObjectStore: false, prefix: "")
    }

    public var location: String { "file://" + root }

    private func path(_ key: String) -> String { root + "/" + key }

    /// `key`'s path, once no part of it below the root is a symbolic link (a link could send a
    /// write or a delete outside the store, or copy a file that is not a profile into an output).
    func checkedPath(_ key: String) throws -> String {
        var partial = root
        for component in key.split(separator: "/") {
            partial += "/" + component
            var info = stat()
            guard lstat(partial, &info) == 0 else { break }  // not there (yet): nothing to follow
            guard (info.st_mode & S_IFMT) != S_IFLNK else {
                throw StoreError("\(location): \(partial.dropFirst(root.count + 1)) is a symbolic link; the store does not follow links out of its directory")
            }
        }
        return path(key)
    }

    @discardableResult
    public func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        try KeyScheme.validate(service: service)
        let key = try scheme.key(service: service, createdAt: createdAt, contentHash: hexString(SHA256.hash(profile)), kind: ProfileKind(detecting: profile))
        let target = try checkedPath(key)
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError("\(location): cannot create directory \(directory): \(error.localizedDescription)")
        }
        do {
            try AtomicFile.write(profile, to: target)
        } catch {
            throw StoreError("\(location): \(error)")
        }
        syncDirectory(directory)
        return StoredProfile(key: key, service: service, createdAt: Date(unixMilliseconds: createdAt.unixMilliseconds), size: profile.count, etag: nil)
    }

    public func list(service: String, window: TimeWindow) async throws -> StoreListing {
        try KeyScheme.validate(service: service)
        let listPrefix = scheme.listPrefix(service: service)
        // The standard layout keeps a directory per service; pgolib's keeps every app in the root.
        let directoryKey = listPrefix.hasSuffix("/") ? String(listPrefix.dropLast()) : ""
        let directory = directoryKey.isEmpty ? root : path(directoryKey)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError("\(location): no such directory")
        }
        if !directoryKey.isEmpty { _ = try checkedPath(directoryKey) }
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return StoreListing(profiles: [])  // the service has saved nothing yet
        }
        guard isDirectory.boolValue else { throw StoreError("\(location): \(directory) is not a directory") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw StoreError("\(location): cannot read directory \(directory): \(error.localizedDescription)")
        }
        var listing = StoreListing(profiles: [])
        for name in names.sorted() {
            let key = directoryKey.isEmpty ? name : directoryKey + "/" + name
            if name.hasPrefix(".") {
                // A killed writer's temporary file (AtomicFile's `.NAME.tmp-XXXXXX`) is reported, not hidden.
                // In pgolib's flat directory, only this service's own.
                if let target = AtomicFile.targetName(ofTemporary: name), !directoryKey.isEmpty || target.hasPrefix(listPrefix) {
                    listing.skipped.append(SkippedEntry(key: key, reason: "a temporary file left by an interrupted write (removed by a later write once an hour old)"))
                }
                continue
            }
            // In pgolib's flat layout, other apps' files share the directory: not ours to report.
            if !key.hasPrefix(listPrefix) { continue }
            switch scheme.parse(key: key, service: service) {
            case .notAProfile(let reason):
                listing.skipped.append(SkippedEntry(key: key, reason: reason))
            case .otherService:
                continue
            case .profile(let millis):
                guard window.contains(milliseconds: millis) else { continue }
                var info = stat()
                guard lstat(path(key), &info) == 0 else {
                    listing.skipped.append(SkippedEntry(key: key, reason: "cannot stat: \(String(cString: strerror(errno)))"))
                    continue
                }
                guard (info.st_mode & S_IFMT) == S_IFREG else {
                    let link = (info.st_mode & S_IFMT) == S_IFLNK
                    listing.skipped.append(SkippedEntry(key: key, reason: link ? "a symbolic link (not followed)" : "not a regular file"))
                    continue
                }
                let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
                listing.profiles.append(StoredProfile(
                    key: key, service: service, createdAt: Date(unixMilliseconds: millis), size: Int(info.st_size),
                    etag: "\(info.st_size)-\(mtime)"))
            }
        }
        listing.profiles.sort { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }
        return listing
    }

    /// The object's bytes, checked against its listed size and the hash in its key.
    public func get(_ object: StoredProfile) async throws -> [UInt8] { try await getWithDigest(object).bytes }

    public func getWithDigest(_ object: StoredProfile) async throws -> DownloadedProfile {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.read(try checkedPath(object.key))
        } catch let error as StoreError {
            throw error
        } catch let error as InputError {
            throw StoreError("\(location): \(object.key): \(error.problem)")
        }
        let download = DownloadedProfile(bytes: bytes)
        if let mismatch = object.mismatch(download) { throw StoreError("\(location): \(object.key): the file is not the profile it was saved as: \(mismatch)") }
        return download
    }

    public func delete(_ object: StoredProfile) async throws {
        guard unlink(try checkedPath(object.key)) == 0 || errno == ENOENT else {
            throw StoreError("\(location): cannot delete \(object.key): \(String(cString: strerror(errno)))")
        }
    }

    /// The service directories (standard layout) or the apps of pgolib's file names.
    public func services() async throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        switch scheme.layout {
        case .standard:
            return names.filter { !$0.hasPrefix(".") && $0 != SymbolKey.area && $0 != RollupKey.area && FileInfo.isDirectory(path($0)) }.sorted()
        case .pgolib:
            return Set(names.filter(KeyScheme.isPgolibName).compactMap { name in name.lastIndex(of: "-").map { String(name[..<$0]) } }).sorted()
        }
    }

    /// Makes the rename durable: the new directory entry survives a crash.
    private func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
