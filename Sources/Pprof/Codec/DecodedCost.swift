/// What a profile will take in memory once decoded, counted from its wire bytes before anything
/// is allocated. The wire can be far smaller than the decoded form (an empty Location message is
/// 2 bytes on the wire and some 60 in memory; a packed id 1 byte and 8), so a profile that fits
/// the decompression limit could still take gigabytes: decoding checks this cost first.
extension Profile {
    /// An upper bound on the bytes decoding `buffer` allocates: each message its in-memory size,
    /// each string 32 bytes plus its text, each packed varint byte (each element takes at least
    /// one) 8 bytes. Arrays may hold up to twice what they use while they grow.
    public static func decodedCost(protobuf buffer: UnsafeRawBufferPointer) throws(WireFormatError) -> Int {
        var reader = ProtoReader(buffer)
        var cost = MemoryLayout<Profile>.size
        while let (field, wireType) = try reader.readTag() {
            switch (field, wireType) {
            case (1, .lengthDelimited), (11, .lengthDelimited):
                cost += MemoryLayout<ValueType>.stride
                try reader.skip(field: field, wireType: wireType)
            case (2, .lengthDelimited):
                var sample = try reader.readLengthDelimited(field: field)
                cost += MemoryLayout<Sample>.stride + (try sampleCost(&sample))
            case (3, .lengthDelimited):
                cost += MemoryLayout<Mapping>.stride
                try reader.skip(field: field, wireType: wireType)
            case (4, .lengthDelimited):
                var location = try reader.readLengthDelimited(field: field)
                cost += MemoryLayout<Location>.stride + (try locationCost(&location))
            case (5, .lengthDelimited):
                cost += MemoryLayout<Function>.stride
                try reader.skip(field: field, wireType: wireType)
            case (6, .lengthDelimited):
                cost += 32 + (try reader.readLengthDelimited(field: field)).remainingBytes.count
            case (13, .lengthDelimited):
                cost += 8 * (try reader.readLengthDelimited(field: field)).remainingBytes.count
            case (13, _):
                cost += 8
                try reader.skip(field: field, wireType: wireType)
            default:
                try reader.skip(field: field, wireType: wireType)
            }
        }
        return cost * 2
    }

    /// A sample's location ids and values (packed or not) and labels.
    private static func sampleCost(_ reader: inout ProtoReader) throws(WireFormatError) -> Int {
        var cost = 0
        while let (field, wireType) = try reader.readTag() {
            switch (field, wireType) {
            case (1, .lengthDelimited), (2, .lengthDelimited): cost += 8 * (try reader.readLengthDelimited(field: field)).remainingBytes.count
            case (1, _), (2, _): cost += 8; try reader.skip(field: field, wireType: wireType)
            case (3, .lengthDelimited): cost += MemoryLayout<Label>.stride; try reader.skip(field: field, wireType: wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
        return cost
    }

    /// A location's lines.
    private static func locationCost(_ reader: inout ProtoReader) throws(WireFormatError) -> Int {
        var cost = 0
        while let (field, wireType) = try reader.readTag() {
            if field == 4, wireType == .lengthDelimited { cost += MemoryLayout<Line>.stride }
            try reader.skip(field: field, wireType: wireType)
        }
        return cost
    }
}
