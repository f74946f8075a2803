/// Unsigned LEB128, the variable-length integers of LLVM's binary profile formats (the same
/// encoding as protobuf varints, without field keys around them).
public enum LEB128 {
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}

extension Array where Element == UInt8 {
    public mutating func appendULEB128(_ value: UInt64) { LEB128.append(value, to: &self) }

    public mutating func appendULEB128(_ value: Int) { LEB128.append(UInt64(value), to: &self) }

}
