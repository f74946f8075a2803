import Foundation

extension Profile {
    /// Decodes an uncompressed `profile.proto` message. Unknown fields are skipped; repeated
    /// scalars are accepted packed or unpacked. The result is not yet validated: see ``validate()``.
    public init(protobuf buffer: UnsafeRawBufferPointer) throws(WireFormatError) {
        self.init()
        stringTable = []
        var reader = ProtoReader(buffer)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: sampleTypes.append(try ValueType(&reader, field, wireType))
            case 2: samples.append(try Sample(&reader, field, wireType))
            case 3: mappings.append(try Mapping(&reader, field, wireType))
            case 4: locations.append(try Location(&reader, field, wireType))
            case 5: functions.append(try Function(&reader, field, wireType))
            case 6:
                let string = try reader.readMessage(field: field, wireType: wireType)
                stringTable.append(String(decoding: string.remainingBytes, as: UTF8.self))
            case 7: dropFrames = try reader.readInt64(field, wireType)
            case 8: keepFrames = try reader.readInt64(field, wireType)
            case 9: timeNanos = try reader.readInt64(field, wireType)
            case 10: durationNanos = try reader.readInt64(field, wireType)
            case 11: periodType = try ValueType(&reader, field, wireType)
            case 12: period = try reader.readInt64(field, wireType)
            case 13: try reader.readRepeatedInt64(field: field, wireType: wireType, into: &comments)
            case 14: defaultSampleType = try reader.readInt64(field, wireType)
            case 15: docURL = try reader.readInt64(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
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

extension Sample {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: try reader.readRepeatedVarint(field: field, wireType: wireType, into: &locationIDs)
            case 2: try reader.readRepeatedInt64(field: field, wireType: wireType, into: &values)
            case 3: labels.append(try Label(&reader, field, wireType))
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

extension Location {
    init(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        self.init()
        var reader = try outer.readMessage(field: field, wireType: wireType)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: id = try reader.readScalar(field: field, wireType: wireType)
            case 2: mappingID = try reader.readScalar(field: field, wireType: wireType)
            case 3: address = try reader.readScalar(field: field, wireType: wireType)
            case 4: lines.append(try Line(&reader, field, wireType))
            case 5: isFolded = try reader.readBool(field, wireType)
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
