import Testing
@testable import Pprof

@Suite struct WireTests {
    @Test(arguments: [UInt64(0), 1, 127, 128, 300, 1 << 35, UInt64.max])
    func varintRoundTrip(_ value: UInt64) throws {
        var writer = ProtoWriter()
        writer.writeVarint(value)
        #expect(writer.bytes.count == ProtoWriter.varintSize(value))
        let decoded = try writer.bytes.withUnsafeBytes { buffer in
            var reader = ProtoReader(buffer)
            let v = try reader.readVarint()
            #expect(reader.isAtEnd)
            return v
        }
        #expect(decoded == value)
    }

    @Test func varintLongerThanTenBytesIsAnError() {
        let bytes: [UInt8] = Array(repeating: 0xff, count: 11) + [0x01]
        #expect(throws: WireFormatError.self) {
            try bytes.withUnsafeBytes { buffer in
                var reader = ProtoReader(buffer)
                _ = try reader.readVarint()
            }
        }
    }

    @Test func lengthPastTheEndIsAnErrorNotAnAllocation() throws {
        var writer = ProtoWriter()
        writer.writeVarint(2 << 3 | 2)  // field 2, length-delimited
        writer.writeVarint(1 << 40)
        writer.writeVarint(7)
        let error = #expect(throws: WireFormatError.self) {
            try writer.bytes.withUnsafeBytes { buffer in
                var reader = ProtoReader(buffer)
                _ = try reader.readTag()
                _ = try reader.readLengthDelimited(field: 2)
            }
        }
        #expect(error?.problem == "field 2 claims 1099511627776 bytes but only 1 remain")
    }

    @Test func packedAndUnpackedRepeatedFieldsDecodeAlike() throws {
        var packed = ProtoWriter()
        packed.writePacked(1, [UInt64(3), 300, 5])
        var unpacked = ProtoWriter()
        for v in [UInt64(3), 300, 5] { unpacked.writeKey(1, .varint); unpacked.writeVarint(v) }
        func decode(_ bytes: [UInt8]) throws -> [UInt64] {
            try bytes.withUnsafeBytes { buffer in
                var reader = ProtoReader(buffer)
                var values: [UInt64] = []
                while let (field, wireType) = try reader.readTag() {
                    try reader.readRepeatedVarint(field: field, wireType: wireType, into: &values)
                }
                return values
            }
        }
        #expect(try decode(packed.bytes) == [3, 300, 5])
        #expect(try decode(unpacked.bytes) == [3, 300, 5])
    }

    @Test func nestedMessageLengthIsFixedUpForLongBodies() throws {
        var writer = ProtoWriter()
        let long = String(repeating: "x", count: 200)
        writer.writeMessage(5) { $0.writeString(1, long) }
        try writer.bytes.withUnsafeBytes { buffer in
            var reader = ProtoReader(buffer)
            let (field, wireType) = try #require(try reader.readTag())
            #expect(field == 5)
            var inner = try reader.readMessage(field: field, wireType: wireType)
            #expect(reader.isAtEnd)
            _ = try inner.readTag()
            let string = try inner.readLengthDelimited(field: 1)
            #expect(string.remainingBytes.count == 200)
        }
    }
}
