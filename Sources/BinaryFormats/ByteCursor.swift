/// Why binary data could not be read: where in the file, and what was expected there.
public struct BinaryFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset in the file (for a compressed section, the offset of that section).
    public var offset: Int
    public var problem: String
    public var description: String { "offset \(offset): \(problem)" }

    public init(offset: Int, problem: String) {
        self.offset = offset
        self.problem = problem
    }
}

/// A forward reader over bytes that checks every read against the end, so truncated or
/// corrupt input is an error naming the offset, never a trap.
public struct ByteCursor {
    public let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int
    /// What to add to positions in `bytes` to name offsets in the file.
    public let origin: Int

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, origin: Int = 0) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
        self.origin = origin
    }

    public var isAtEnd: Bool { position >= end }
    public var remaining: Int { end - position }
    /// The file offset of the next byte.
    public var offset: Int { origin + position }

    public func error(_ problem: String) -> BinaryFormatError {
        BinaryFormatError(offset: offset, problem: problem)
    }

    public mutating func readULEB128(_ what: String) throws(BinaryFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = position
        while index < end {
            let byte = bytes[index]
            index += 1
            if shift == 63 && byte > 1 { throw error("\(what) overflows 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 {
                position = index
                return result
            }
            shift += 7
            if shift > 63 { throw error("\(what) is longer than 10 bytes") }
        }
        throw error("unexpected end of data in \(what)")
    }

    /// A ULEB128 that must fit `limit`, such as a count, index or 32-bit line offset.
    public mutating func readULEB128(_ what: String, atMost limit: UInt64) throws(BinaryFormatError) -> Int {
        let start = position
        let value = try readULEB128(what)
        guard value <= limit else {
            position = start
            throw error("\(what) \(value) exceeds \(limit)")
        }
        return Int(value)
    }

    public mutating func readLittleEndian64(_ what: String) throws(BinaryFormatError) -> UInt64 {
        guard let value: UInt64 = LittleEndian.read(bytes, at: position), position + 8 <= end else {
            throw error("unexpected end of data in \(what) (8 bytes needed, \(remaining) left)")
        }
        position += 8
        return value
    }

    /// A NUL-terminated UTF-8 string.
    public mutating func readCString(_ what: String) throws(BinaryFormatError) -> String {
        guard let terminator = bytes[position..<end].firstIndex(of: 0) else {
            throw error("\(what) has no terminating NUL before the end of its section")
        }
        let text = bytes[position..<terminator]
        guard let string = String(validating: text, as: UTF8.self) else { throw error("\(what) is not valid UTF-8") }
        position = terminator + 1
        return string
    }

    public mutating func readBytes(_ count: Int, _ what: String) throws(BinaryFormatError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw error("\(what) claims \(count) bytes but only \(remaining) remain") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }
}
