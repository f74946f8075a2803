/// Little-endian fixed-width integers, the byte order of ELF (as read here), LLVM's profile
/// headers and raw profiles: one reader and one writer for all of them.
public enum LittleEndian {
    /// The `T` stored at `offset`, or nil when it does not fit in `bytes`.
    @inlinable
    public static func read<T: FixedWidthInteger & UnsignedInteger, Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, at offset: Int, as _: T.Type = T.self
    ) -> T? where Bytes.Index == Int {
        let size = MemoryLayout<T>.size
        guard offset >= bytes.startIndex, offset <= bytes.endIndex - size else { return nil }
        var value: T = 0
        for index in 0..<size { value |= T(bytes[offset + index]) << (8 * index) }
        return value
    }

    /// Writes `value` over the bytes at `offset`, which must fit.
    @inlinable
    public static func write<T: FixedWidthInteger & UnsignedInteger>(_ value: T, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<MemoryLayout<T>.size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` little-endian, as LLVM writes section headers.
    public mutating func appendLittleEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        for index in 0..<MemoryLayout<T>.size { append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
