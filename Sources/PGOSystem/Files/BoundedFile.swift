import Foundation
import Pprof

/// Reads whole files with a size limit, so that a huge or endless file (a FIFO, /dev/zero) is an
/// error naming the file rather than an allocation without end.
public enum BoundedFile {
    /// Reads at most `limit` bytes; a larger file is an error rather than a huge allocation.
    public static func read(_ path: String, limit: Int = DecodingLimits.default.maxDecodedBytes) throws(InputError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(source: path, problem: systemError("cannot open")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputError(source: path, problem: systemError("cannot stat")) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw InputError(source: path, problem: "is a directory, not a profile") }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit else {
                    throw InputError(source: path, problem: "larger than the limit of \(limit) bytes")
                }
                bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 4096)))
            }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(source: path, problem: systemError("cannot read"))
            }
            if n == 0 { break }
            filled += n
        }
        guard filled <= limit else { throw InputError(source: path, problem: "larger than the limit of \(limit) bytes") }
        bytes.removeSubrange(filled...)
        return bytes
    }

}

/// The C library's last error, after what was being done.
func systemError(_ what: String) -> String {
    "\(what): \(String(cString: strerror(errno)))"
}
