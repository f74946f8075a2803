import Foundation
import Pprof

/// A file read a piece at a time, for files too large to hold (symbol files of a gigabyte):
/// uploads read one part, hash it, send it, and let it go.
public final class ChunkedFile: Sendable {
    public let path: String
    /// The size when opened; a file that changes while it is read is an error, not a torn upload.
    public let size: Int
    private let fd: Int32

    public init(path: String) throws(InputError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(source: path, problem: systemError("cannot open")) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw InputError(source: path, problem: systemError("cannot stat"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw InputError(source: path, problem: "not a regular file")
        }
        self.fd = fd
        self.path = path
        self.size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// `count` bytes from `offset` (fewer only at the end of the file).
    public func read(at offset: Int, count: Int) throws(InputError) -> [UInt8] {
        let wanted = max(0, min(count, size - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, wanted - filled, off_t(offset + filled)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(source: path, problem: systemError("cannot read"))
            }
            guard n > 0 else { throw InputError(source: path, problem: "the file shrank while it was read (\(offset + filled) of \(size) bytes)") }
            filled += n
        }
        return bytes
    }

    /// Calls `body` with each piece of at most `pieceSize` bytes, in order.
    public func forEachPiece(of pieceSize: Int, _ body: ([UInt8]) async throws -> Void) async throws {
        var offset = 0
        repeat {
            let piece = try read(at: offset, count: pieceSize)
            try await body(piece)
            offset += piece.count
        } while offset < size
    }

    /// Copies the file at `source` to `target` atomically, a piece at a time.
    public static func copy(_ source: String, to target: String) async throws {
        let file = try ChunkedFile(path: source)
        try await AtomicFile.write(to: target) { append in
            try await file.forEachPiece(of: 4 << 20) { try append($0) }
        }
    }
}
