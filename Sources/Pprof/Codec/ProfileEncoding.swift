extension Profile {
    /// Encodes the profile as an uncompressed `profile.proto` message, fields in number order,
    /// repeated scalars packed. Equal profiles give identical bytes.
    public func protobufBytes() -> [UInt8] {
        var w = ProtoWriter(capacity: 64 * (samples.count + locations.count + functions.count) + 1024)
        for sampleType in sampleTypes { w.writeMessage(1) { sampleType.encode(into: &$0) } }
        for sample in samples {
            w.writeMessage(2) { w in
                w.writePacked(1, sample.locationIDs)
                w.writePacked(2, sample.values)
                for label in sample.labels {
                    w.writeMessage(3) { w in
                        w.writeInt64(1, label.key)
                        w.writeInt64(2, label.str)
                        w.writeInt64(3, label.num)
                        w.writeInt64(4, label.numUnit)
                    }
                }
            }
        }
        for mapping in mappings {
            w.writeMessage(3) { w in
                w.writeUInt64(1, mapping.id)
                w.writeUInt64(2, mapping.memoryStart)
                w.writeUInt64(3, mapping.memoryLimit)
                w.writeUInt64(4, mapping.fileOffset)
                w.writeInt64(5, mapping.filename)
                w.writeInt64(6, mapping.buildID)
                w.writeBool(7, mapping.hasFunctions)
                w.writeBool(8, mapping.hasFilenames)
                w.writeBool(9, mapping.hasLineNumbers)
                w.writeBool(10, mapping.hasInlineFrames)
            }
        }
        for location in locations {
            w.writeMessage(4) { w in
                w.writeUInt64(1, location.id)
                w.writeUInt64(2, location.mappingID)
                w.writeUInt64(3, location.address)
                for line in location.lines {
                    w.writeMessage(4) { w in
                        w.writeUInt64(1, line.functionID)
                        w.writeInt64(2, line.line)
                        w.writeInt64(3, line.column)
                    }
                }
                w.writeBool(5, location.isFolded)
            }
        }
        for function in functions {
            w.writeMessage(5) { w in
                w.writeUInt64(1, function.id)
                w.writeInt64(2, function.name)
                w.writeInt64(3, function.systemName)
                w.writeInt64(4, function.filename)
                w.writeInt64(5, function.startLine)
            }
        }
        for string in stringTable { w.writeString(6, string) }
        w.writeInt64(7, dropFrames)
        w.writeInt64(8, keepFrames)
        w.writeInt64(9, timeNanos)
        w.writeInt64(10, durationNanos)
        if let periodType { w.writeMessage(11) { periodType.encode(into: &$0) } }
        w.writeInt64(12, period)
        w.writePacked(13, comments)
        w.writeInt64(14, defaultSampleType)
        w.writeInt64(15, docURL)
        return w.bytes
    }
}

extension ValueType {
    func encode(into w: inout ProtoWriter) {
        w.writeInt64(1, type)
        w.writeInt64(2, unit)
    }
}
