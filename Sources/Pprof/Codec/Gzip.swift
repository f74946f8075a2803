import CZlib
import Foundation

/// gzip framing over zlib, with a hard bound on decompressed size so that a gzip bomb is an
/// error and never an out-of-memory kill.
public enum Gzip {
    /// The two magic bytes that start every gzip member.
    public static let magic: (UInt8, UInt8) = (0x1f, 0x8b)

    public static func hasMagic(_ buffer: UnsafeRawBufferPointer) -> Bool {
        buffer.count >= 2 && buffer[0] == magic.0 && buffer[1] == magic.1
    }

    /// Inflates every gzip member in `input` (concatenated members are read like `gunzip` does).
    /// Throws as soon as the output would exceed `limit` bytes.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: accept a gzip or zlib header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError(problem: "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        guard let inputBase = input.baseAddress, !input.isEmpty else { throw GzipError(problem: "empty gzip stream") }
        // Inflate through a fixed chunk and append it, which stays a memcpy even in debug builds.
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count * 4, limit))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        while true {
            let (status, produced): (Int32, Int) = chunk.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: inputBase.assumingMemoryBound(to: UInt8.self) + consumed)
                stream.avail_in = UInt32(input.count - consumed)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(out.count)
                let availableIn = stream.avail_in
                let status = inflate(&stream, Z_NO_FLUSH)
                consumed += Int(availableIn - stream.avail_in)
                return (status, out.count - Int(stream.avail_out))
            }
            guard output.count + produced <= limit else {
                throw GzipError(problem: "decompressed size exceeds the limit of \(limit) bytes (a gzip bomb?)")
            }
            chunk.withUnsafeBufferPointer { output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<produced])) }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let rest = UnsafeRawBufferPointer(rebasing: input[consumed...])
                // Another member follows: keep going. Anything else after the end is garbage.
                if rest.isEmpty { break }
                guard hasMagic(rest) else {
                    throw GzipError(problem: "\(rest.count) bytes of trailing garbage after the gzip stream")
                }
                inflateReset(&stream)
                continue
            case Z_BUF_ERROR where consumed == input.count:
                throw GzipError(problem: "gzip stream is truncated")
            case Z_BUF_ERROR:
                continue  // The chunk was full; go round again.
            case Z_DATA_ERROR:
                let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
                throw GzipError(problem: "corrupt gzip data: \(message)")
            default:
                throw GzipError(problem: "zlib error \(status)")
            }
            break
        }
        return output
    }

    /// `input` as gzip: unchanged when it already is, compressed otherwise. Stores keep profiles
    /// gzip-compressed whichever form they arrived in.
    public static func compressedIfNeeded(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes(hasMagic) ? input : compress(input)
    }

    /// Compresses `input` as one gzip member. The header carries no name or time, so equal
    /// input gives identical output.
    public static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: gzip framing.
        let initStatus = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "deflateInit2 failed: \(initStatus)")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        let produced: Int = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: UInt8.self))
                stream.avail_in = UInt32(src.count)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish: \(status)")
                return out.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

/// A gzip stream that cannot be inflated, or inflates past its limit.
public struct GzipError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { problem }
}
