/// A forward-only reader of protobuf wire data over borrowed memory.
///
/// Every length is checked against the bytes that remain before it is trusted, so a field that
/// claims 2^40 bytes is an error rather than an allocation.
public struct ProtoReader {
    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline var position: Int
    @usableFromInline let end: Int
    /// Offset of `base` within the outermost buffer, for error messages.
    @usableFromInline let origin: Int

    public init(_ buffer: UnsafeRawBufferPointer, origin: Int = 0) {
        self.base = buffer.baseAddress
        self.position = 0
        self.end = buffer.count
        self.origin = origin
    }

    @inlinable public var isAtEnd: Bool { position >= end }
    @inlinable public var offset: Int { origin + position }

    @inlinable
    func error(_ problem: String) -> WireFormatError {
        WireFormatError(offset: origin + position, problem: problem)
    }

    @inlinable
    public mutating func readVarint() throws(WireFormatError) -> UInt64 {
        guard let base else { throw error("unexpected end of data in varint") }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = position
        while index < end {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            index += 1
            if shift == 63 && byte > 1 { throw error("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 {
                position = index
                return result
            }
            shift += 7
            if shift > 63 { throw error("varint longer than 10 bytes") }
        }
        throw error("unexpected end of data in varint")
    }

    /// Reads a field key. Returns `nil` at the end of the message.
    @inlinable
    public mutating func readTag() throws(WireFormatError) -> (field: UInt64, wireType: WireType)? {
        if position >= end { return nil }
        let start = position
        let key = try readVarint()
        let field = key >> 3
        guard field != 0 else {
            position = start
            throw error("field number 0 is invalid")
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            position = start
            throw error("field \(field) has unsupported wire type \(key & 7)")
        }
        return (field, wireType)
    }

    /// Reads a length-delimited payload and returns a reader over it.
    @inlinable
    public mutating func readLengthDelimited(field: UInt64) throws(WireFormatError) -> ProtoReader {
        let length = try readVarint()
        let remaining = end - position
        guard length <= UInt64(remaining) else {
            throw error("field \(field) claims \(length) bytes but only \(remaining) remain")
        }
        let count = Int(length)
        let sub = ProtoReader(
            UnsafeRawBufferPointer(start: base.map { $0 + position }, count: count),
            origin: origin + position)
        position += count
        return sub
    }

    /// The unread bytes of this reader.
    @inlinable
    public var remainingBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { $0 + position }, count: end - position)
    }

    /// Skips a field's payload: how unknown fields are ignored.
    @inlinable
    public mutating func skip(field: UInt64, wireType: WireType) throws(WireFormatError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: try advance(8, field: field)
        case .fixed32: try advance(4, field: field)
        case .lengthDelimited: _ = try readLengthDelimited(field: field)
        }
    }

    @inlinable
    mutating func advance(_ count: Int, field: UInt64) throws(WireFormatError) {
        guard end - position >= count else { throw error("field \(field) is truncated") }
        position += count
    }

    /// Reads one element, or a packed run of elements, of a repeated varint field.
    @inlinable
    public mutating func readRepeatedVarint(field: UInt64, wireType: WireType, into values: inout [UInt64]) throws(WireFormatError) {
        switch wireType {
        case .varint:
            values.append(try readVarint())
        case .lengthDelimited:
            var packed = try readLengthDelimited(field: field)
            try packed.readPackedVarints(into: &values) { $0 }
        default:
            throw error("field \(field) must be a varint or packed varints, not wire type \(wireType.rawValue)")
        }
    }

    /// Like `readRepeatedVarint` for int64 fields (two's complement varints).
    @inlinable
    public mutating func readRepeatedInt64(field: UInt64, wireType: WireType, into values: inout [Int64]) throws(WireFormatError) {
        switch wireType {
        case .varint:
            values.append(Int64(bitPattern: try readVarint()))
        case .lengthDelimited:
            var packed = try readLengthDelimited(field: field)
            try packed.readPackedVarints(into: &values) { Int64(bitPattern: $0) }
        default:
            throw error("field \(field) must be a varint or packed varints, not wire type \(wireType.rawValue)")
        }
    }

    /// Reads the rest of this (packed) message as varints, appended to `values` through
    /// `convert`; one-byte varints (most ids and counts) inline, the rest through `readVarint`
    /// (whose errors a malformed one gets).
    @inlinable
    mutating func readPackedVarints<T>(into values: inout [T], _ convert: (UInt64) -> T) throws(WireFormatError) {
        guard let base else { return }
        if values.isEmpty { values.reserveCapacity(end - position) }  // an array of this field alone
        while position < end {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            if byte < 0x80 {
                position += 1
                values.append(convert(UInt64(byte)))
            } else {
                values.append(convert(try readVarint()))
            }
        }
    }

    /// Reads a scalar varint field, checking its wire type.
    @inlinable
    public mutating func readScalar(field: UInt64, wireType: WireType) throws(WireFormatError) -> UInt64 {
        guard wireType == .varint else {
            throw error("field \(field) must be a varint, not wire type \(wireType.rawValue)")
        }
        return try readVarint()
    }

    /// Reads an embedded message field, checking its wire type.
    @inlinable
    public mutating func readMessage(field: UInt64, wireType: WireType) throws(WireFormatError) -> ProtoReader {
        guard wireType == .lengthDelimited else {
            throw error("field \(field) must be length-delimited, not wire type \(wireType.rawValue)")
        }
        return try readLengthDelimited(field: field)
    }
}
