/// Appends protobuf wire data to a byte buffer.
///
/// Zero scalars and empty repeated fields are omitted, as proto3 encoders do.
public struct ProtoWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func writeKey(_ field: UInt64, _ wireType: WireType) {
        writeVarint(field << 3 | UInt64(wireType.rawValue))
    }

    public mutating func writeUInt64(_ field: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        writeKey(field, .varint)
        writeVarint(value)
    }

    public mutating func writeInt64(_ field: UInt64, _ value: Int64) {
        writeUInt64(field, UInt64(bitPattern: value))
    }

    public mutating func writeBool(_ field: UInt64, _ value: Bool) {
        writeUInt64(field, value ? 1 : 0)
    }

    public mutating func writeString(_ field: UInt64, _ value: String) {
        writeKey(field, .lengthDelimited)
        var value = value
        value.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func writePacked(_ field: UInt64, _ values: [UInt64]) {
        guard !values.isEmpty else { return }
        writeKey(field, .lengthDelimited)
        var size = 0
        for value in values { size += Self.varintSize(value) }
        writeVarint(UInt64(size))
        for value in values { writeVarint(value) }
    }

    public mutating func writePacked(_ field: UInt64, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        writeKey(field, .lengthDelimited)
        var size = 0
        for value in values { size += Self.varintSize(UInt64(bitPattern: value)) }
        writeVarint(UInt64(size))
        for value in values { writeVarint(UInt64(bitPattern: value)) }
    }

    /// Writes an embedded message. The body is written in place and its length prefix fixed up
    /// afterwards, so no scratch buffer or size pass is needed.
    public mutating func writeMessage(_ field: UInt64, _ body: (inout ProtoWriter) -> Void) {
        writeKey(field, .lengthDelimited)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthAt - 1
        if length < 0x80 {
            bytes[lengthAt] = UInt8(length)
            return
        }
        var prefix: [UInt8] = []
        var v = UInt64(length)
        while v >= 0x80 {
            prefix.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        prefix.append(UInt8(v))
        bytes.replaceSubrange(lengthAt..<lengthAt + 1, with: prefix)
    }
}
