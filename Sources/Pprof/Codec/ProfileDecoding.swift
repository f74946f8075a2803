import Foundation

extension Profile {
    /// Decodes an uncompressed `profile.proto` message. Unknown fields are skipped; repeated
    /// scalars are accepted packed or unpacked. The result is not yet validated: see ``validate()``.
    /// The one decoder is `FlatProfile`'s (merging reads the wire into it directly).
    public init(protobuf buffer: UnsafeRawBufferPointer) throws(WireFormatError) {
        var flat = FlatProfile()
        try flat.decode(protobuf: buffer)
        self.init(flat)
    }

    /// The profile a flat decode holds.
    init(_ flat: FlatProfile) {
        self.init()
        sampleTypes = flat.sampleTypes
        periodType = flat.periodType
        (period, durationNanos, timeNanos) = (flat.period, flat.durationNanos, flat.timeNanos)
        comments = flat.comments
        (dropFrames, keepFrames, defaultSampleType, docURL) = (flat.dropFrames, flat.keepFrames, flat.defaultSampleType, flat.docURL)
        stringTable = flat.strings
        mappings = flat.mappings
        functions = flat.functions
        locations = flat.locations.map { location in
            Location(
                id: location.id, mappingID: location.mappingID, address: location.address,
                lines: Array(flat.lines[Int(location.lines.lowerBound)..<Int(location.lines.upperBound)]), isFolded: location.isFolded)
        }
        samples = flat.samples.map { sample in
            Sample(
                locationIDs: Array(flat.sampleLocations[Int(sample.locations.lowerBound)..<Int(sample.locations.upperBound)]),
                values: Array(flat.sampleValues[Int(sample.values.lowerBound)..<Int(sample.values.upperBound)]),
                labels: Array(flat.sampleLabels[Int(sample.labels.lowerBound)..<Int(sample.labels.upperBound)]))
        }
    }

    /// Decodes an uncompressed `profile.proto` message from bytes.
    public init(protobuf bytes: some ContiguousBytes) throws(WireFormatError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WireFormatError) in try Profile(protobuf: buffer) }
        }
        self = try result.get()
    }
}

extension ProtoReader {
    @inlinable
    mutating func readInt64(_ field: UInt64, _ wireType: WireType) throws(WireFormatError) -> Int64 {
        Int64(bitPattern: try readScalar(field: field, wireType: wireType))
    }

    @inlinable
    mutating func readBool(_ field: UInt64, _ wireType: WireType) throws(WireFormatError) -> Bool {
        try readScalar(field: field, wireType: wireType) != 0
    }
}

extension ValueType {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: type = try reader.readInt64(field, wireType)
            case 2: unit = try reader.readInt64(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
    }
}

extension Label {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: key = try reader.readInt64(field, wireType)
            case 2: str = try reader.readInt64(field, wireType)
            case 3: num = try reader.readInt64(field, wireType)
            case 4: numUnit = try reader.readInt64(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
    }
}

extension Mapping {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: id = try reader.readScalar(field: field, wireType: wireType)
            case 2: memoryStart = try reader.readScalar(field: field, wireType: wireType)
            case 3: memoryLimit = try reader.readScalar(field: field, wireType: wireType)
            case 4: fileOffset = try reader.readScalar(field: field, wireType: wireType)
            case 5: filename = try reader.readInt64(field, wireType)
            case 6: buildID = try reader.readInt64(field, wireType)
            case 7: hasFunctions = try reader.readBool(field, wireType)
            case 8: hasFilenames = try reader.readBool(field, wireType)
            case 9: hasLineNumbers = try reader.readBool(field, wireType)
            case 10: hasInlineFrames = try reader.readBool(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
    }
}

extension Line {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: functionID = try reader.readScalar(field: field, wireType: wireType)
            case 2: line = try reader.readInt64(field, wireType)
            case 3: column = try reader.readInt64(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
    }
}

extension Function {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: id = try reader.readScalar(field: field, wireType: wireType)
            case 2: name = try reader.readInt64(field, wireType)
            case 3: systemName = try reader.readInt64(field, wireType)
            case 4: filename = try reader.readInt64(field, wireType)
            case 5: startLine = try reader.readInt64(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
    }
}
