import Foundation
import Pprof

/// Writes files so that readers see the old content or the new content, never a mix: the data
/// goes to a temporary file in the same directory, is flushed to disk, then renamed over the
/// target. A failed write leaves any existing file untouched and no temporary file behind.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws(InputError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var template = Array("\(directory)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputError(source: path, problem: systemError("cannot create a temporary file")) }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw InputError(source: path, problem: systemError("cannot write"))
                }
                written += n
            }
            guard fchmod(fd, permissions) == 0 else { throw InputError(source: path, problem: systemError("cannot set permissions")) }
            guard fsync(fd) == 0 else { throw InputError(source: path, problem: systemError("cannot flush to disk")) }
        }
        guard rename(temporary, path) == 0 else { throw InputError(source: path, problem: systemError("cannot rename into place")) }
        ok = true
    }

    /// Removes a file, if it is there (best effort: for caches and scratch files).
    public static func remove(_ path: String) { unlink(path) }

    /// Creates `path` and any missing parents (an existing directory is fine).
    public static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}
