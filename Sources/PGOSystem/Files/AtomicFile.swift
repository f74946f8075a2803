import Foundation
import Pprof

/// Writes files so that readers see the old content or the new content, never a mix: the data
/// goes to a temporary file in the same directory, is flushed to disk, then renamed over the
/// target. A failed write leaves any existing file untouched and no temporary file behind; a
/// process killed mid-write leaves `.NAME.tmp-XXXXXX`, which the first write to that directory
/// from a later process removes once it is an hour old.
public enum AtomicFile {
    /// How old a temporary file must be before it counts as abandoned (no write takes this long).
    public static let staleAfter: TimeInterval = 3600

    public static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws(InputError) {
        let file = try Stream(to: path, permissions: permissions)
        do {
            try file.append(bytes)
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// Writes `path` from what `produce` hands its `append`, a piece at a time (a download, a
    /// copy): memory holds one piece, never the file. When `produce` throws, nothing is left.
    public static func write(
        to path: String, permissions: mode_t = 0o644, _ produce: (_ append: ([UInt8]) throws -> Void) async throws -> Void
    ) async throws {
        let file = try Stream(to: path, permissions: permissions)
        do {
            try await produce { bytes in try file.append(bytes) }
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// A file written in pieces by synchronous code (`append`, then `commit`, or `discard` on
    /// failure): the same temporary-file-and-rename as `write`.
    public final class Stream {
        private let pending: Pending
        private let permissions: mode_t
        public init(to path: String, permissions: mode_t = 0o644) throws(InputError) {
            pending = try Pending(for: path)
            self.permissions = permissions
        }
        public func append(_ bytes: [UInt8]) throws(InputError) { try pending.append(bytes) }
        public func commit() throws(InputError) { try pending.commit(permissions: permissions) }
        public func discard() { pending.discard() }
    }

    /// A temporary file next to its target, until it is renamed over it or removed.
    private final class Pending {
        let target: String
        let temporary: String
        private var fd: Int32

        init(for path: String) throws(InputError) {
            let url = URL(fileURLWithPath: path)
            let directory = url.deletingLastPathComponent().path
            sweepOnce(directory)
            var template = Array("\(directory)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw InputError(source: path, problem: systemError("cannot create a temporary file")) }
            self.fd = fd
            self.target = path
            self.temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        func append(_ bytes: [UInt8]) throws(InputError) {
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw InputError(source: target, problem: systemError("cannot write"))
                }
                written += n
            }
        }

        func commit(permissions: mode_t) throws(InputError) {
            defer { closeFile() }
            guard fchmod(fd, permissions) == 0 else { throw InputError(source: target, problem: systemError("cannot set permissions")) }
            guard fsync(fd) == 0 else { throw InputError(source: target, problem: systemError("cannot flush to disk")) }
            guard rename(temporary, target) == 0 else { throw InputError(source: target, problem: systemError("cannot rename into place")) }
        }

        func discard() {
            closeFile()
            unlink(temporary)
        }

        private func closeFile() {
            if fd >= 0 { close(fd) }
            fd = -1
        }

        deinit { closeFile() }
    }

    /// Whether `name` is one of this type's temporary files: `.NAME.tmp-XXXXXX`.
    public static func isTemporaryName(_ name: String) -> Bool { targetName(ofTemporary: name) != nil }

    /// The target a temporary file was for, or nil when `name` is not one.
    public static func targetName(ofTemporary name: String) -> String? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let suffix = name[marker.upperBound...]
        guard suffix.count == 6, suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), marker.lowerBound > name.index(after: name.startIndex) else { return nil }
        return String(name[name.index(after: name.startIndex)..<marker.lowerBound])
    }

    /// Removes abandoned temporary files (older than `staleAfter`) from `directory`; the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String, now: Date = Date()) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names where isTemporaryName(name) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  now.timeIntervalSince1970 - Double(info.st_mtim.tv_sec) > staleAfter, unlink(path) == 0
            else { continue }
            removed.append(path)
        }
        return removed
    }

    /// Directories swept in this process: one sweep each, so that a store directory of a million
    /// profiles is not read again on every save.
    private static let swept = Locked<Set<String>>([])

    private static func sweepOnce(_ directory: String) {
        guard swept.withLock({ $0.insert(directory).inserted }) else { return }
        removeStaleTemporaries(in: directory)
    }

    /// Removes a file, if it is there (best effort: for caches and scratch files).
    public static func remove(_ path: String) { unlink(path) }

    /// Creates `path` and any missing parents (an existing directory is fine).
    public static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}
