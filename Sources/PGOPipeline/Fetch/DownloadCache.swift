import BinaryFormats
import Foundation
import PGOSystem
import Pprof
import ProfileStore

/// Downloaded profiles on disk, keyed by store, key and ETag, so fetching the same window again
/// downloads nothing. An object whose ETag changed is a different cache entry.
struct DownloadCache: Sendable {
    let directory: String

    init(directory: String) { self.directory = directory }

    private func path(for object: StoredProfile, store: String) -> String? {
        guard let etag = object.etag, !etag.isEmpty else { return nil }
        let name = hexString(SHA256.hash(Array("\(store)\n\(object.key)\n\(etag)".utf8)))
        return directory + "/" + name
    }

    /// The cached bytes, if they are still the object's: an entry that fails the object's check
    /// (`StoredProfile.mismatch`) is dropped, and the object is downloaded again.
    func bytes(for object: StoredProfile, store: String) -> DownloadedProfile? {
        guard let path = path(for: object, store: store), let bytes = try? BoundedFile.read(path) else { return nil }
        let download = DownloadedProfile(bytes: bytes)
        guard object.mismatch(download) == nil else {
            AtomicFile.remove(path)
            return nil
        }
        return download
    }

    /// Best effort: a cache that cannot be written only costs a download next time. Only bytes
    /// the store checked (its `get` refuses a mismatch) reach here.
    func store(_ bytes: [UInt8], for object: StoredProfile, store: String) {
        guard let path = path(for: object, store: store) else { return }
        try? AtomicFile.createDirectory(directory)
        try? AtomicFile.write(bytes, to: path)
    }
}
