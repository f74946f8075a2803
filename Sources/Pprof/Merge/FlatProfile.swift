/// A profile decoded for merging, not for keeping: each repeated field of the wire in one flat
/// array, elements by range, in buffers a merger reuses from one input to the next. Decoding
/// into `Profile` allocates arrays for every sample and location and frees them after the merge;
/// this allocates only while its buffers grow to the largest input seen.
struct FlatProfile: Sendable {
    struct FlatLocation: Sendable {
        var id: UInt64
        var mappingID: UInt64
        var address: UInt64
        var isFolded: Bool
        var lines: Range<Int32>
    }

    struct FlatSample: Sendable {
        var locations: Range<Int32>
        var values: Range<Int32>
        var labels: Range<Int32>
    }

    var sampleTypes: [ValueType] = []
    var periodType: ValueType? = nil
    var period: Int64 = 0
    var durationNanos: Int64 = 0
    var timeNanos: Int64 = 0
    var comments: [Int64] = []
    var dropFrames: Int64 = 0
    var keepFrames: Int64 = 0
    var defaultSampleType: Int64 = 0
    var docURL: Int64 = 0
    var strings: [String] = []
    var mappings: [Mapping] = []
    var functions: [Function] = []
    var locations: [FlatLocation] = []
    var lines: [Line] = []
    var samples: [FlatSample] = []
    var sampleLocations: [UInt64] = []
    var sampleValues: [Int64] = []
    var sampleLabels: [Label] = []

    /// Empties every buffer, keeping its capacity.
    mutating func reset() {
        sampleTypes.removeAll(keepingCapacity: true)
        periodType = nil
        (period, durationNanos, timeNanos, dropFrames, keepFrames, defaultSampleType, docURL) = (0, 0, 0, 0, 0, 0, 0)
        comments.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
        mappings.removeAll(keepingCapacity: true)
        functions.removeAll(keepingCapacity: true)
        locations.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        samples.removeAll(keepingCapacity: true)
        sampleLocations.removeAll(keepingCapacity: true)
        sampleValues.removeAll(keepingCapacity: true)
        sampleLabels.removeAll(keepingCapacity: true)
    }

    /// The same content as `profile`, for merging a decoded profile the one way.
    init(_ profile: Profile) {
        sampleTypes = profile.sampleTypes
        periodType = profile.periodType
        (period, durationNanos, timeNanos) = (profile.period, profile.durationNanos, profile.timeNanos)
        comments = profile.comments
        (dropFrames, keepFrames, defaultSampleType, docURL) = (profile.dropFrames, profile.keepFrames, profile.defaultSampleType, profile.docURL)
        strings = profile.stringTable
        mappings = profile.mappings
        functions = profile.functions
        for location in profile.locations {
            let start = Int32(lines.count)
            lines += location.lines
            locations.append(FlatLocation(
                id: location.id, mappingID: location.mappingID, address: location.address, isFolded: location.isFolded,
                lines: start..<Int32(lines.count)))
        }
        for sample in profile.samples {
            let (l, v, b) = (Int32(sampleLocations.count), Int32(sampleValues.count), Int32(sampleLabels.count))
            sampleLocations += sample.locationIDs
            sampleValues += sample.values
            sampleLabels += sample.labels
            samples.append(FlatSample(
                locations: l..<Int32(sampleLocations.count), values: v..<Int32(sampleValues.count), labels: b..<Int32(sampleLabels.count)))
        }
    }

    init() {}

    /// Decodes an uncompressed `profile.proto` message into the buffers, as `Profile(protobuf:)`
    /// reads it (unknown fields skipped, repeated scalars packed or not).
    mutating func decode(protobuf buffer: UnsafeRawBufferPointer) throws(WireFormatError) {
        reset()
        var reader = ProtoReader(buffer)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: sampleTypes.append(try ValueType(&reader, field, wireType))
            case 2: try decodeSample(&reader, field, wireType)
            case 3: mappings.append(try Mapping(&reader, field, wireType))
            case 4: try decodeLocation(&reader, field, wireType)
            case 5: functions.append(try Function(&reader, field, wireType))
            case 6:
                let string = try reader.readMessage(field: field, wireType: wireType)
                strings.append(String(decoding: string.remainingBytes, as: UTF8.self))
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

    private mutating func decodeSample(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        var reader = try outer.readMessage(field: field, wireType: wireType)
        let (l, v, b) = (Int32(sampleLocations.count), Int32(sampleValues.count), Int32(sampleLabels.count))
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: try reader.readRepeatedVarint(field: field, wireType: wireType, into: &sampleLocations)
            case 2: try reader.readRepeatedInt64(field: field, wireType: wireType, into: &sampleValues)
            case 3: sampleLabels.append(try Label(&reader, field, wireType))
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
        samples.append(FlatSample(
            locations: l..<Int32(sampleLocations.count), values: v..<Int32(sampleValues.count), labels: b..<Int32(sampleLabels.count)))
    }

    private mutating func decodeLocation(_ outer: inout ProtoReader, _ field: UInt64, _ wireType: WireType) throws(WireFormatError) {
        var reader = try outer.readMessage(field: field, wireType: wireType)
        var location = FlatLocation(id: 0, mappingID: 0, address: 0, isFolded: false, lines: 0..<0)
        let start = Int32(lines.count)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: location.id = try reader.readScalar(field: field, wireType: wireType)
            case 2: location.mappingID = try reader.readScalar(field: field, wireType: wireType)
            case 3: location.address = try reader.readScalar(field: field, wireType: wireType)
            case 4: lines.append(try Line(&reader, field, wireType))
            case 5: location.isFolded = try reader.readBool(field, wireType)
            default: try reader.skip(field: field, wireType: wireType)
            }
        }
        location.lines = start..<Int32(lines.count)
        locations.append(location)
    }

    /// Positions by id, of mappings, functions and locations.
    struct Indexes {
        var mappings: IDIndex
        var functions: IDIndex
        var locations: IDIndex
    }

    func indexes() -> Indexes {
        Indexes(mappings: IDIndex(mappings.lazy.map(\.id)), functions: IDIndex(functions.lazy.map(\.id)), locations: IDIndex(locations.lazy.map(\.id)))
    }

    /// Whether the content passes `Profile.validate()`'s rules. A failure says nothing more:
    /// the caller decodes the input as a `Profile` for the exact error.
    func isValid(_ indexes: Indexes) -> Bool {
        guard let first = strings.first, first.isEmpty else { return false }
        let count = Int64(strings.count)
        func inRange(_ index: Int64) -> Bool { index >= 0 && index < count }
        guard sampleTypes.allSatisfy({ inRange($0.type) && inRange($0.unit) }),
              periodType.map({ inRange($0.type) && inRange($0.unit) }) ?? true,
              sampleLabels.allSatisfy({ inRange($0.key) && inRange($0.str) && inRange($0.numUnit) }),
              mappings.allSatisfy({ inRange($0.filename) && inRange($0.buildID) }),
              functions.allSatisfy({ inRange($0.name) && inRange($0.systemName) && inRange($0.filename) }),
              inRange(dropFrames), inRange(keepFrames), inRange(defaultSampleType), inRange(docURL), comments.allSatisfy(inRange)
        else { return false }
        guard !(sampleTypes.isEmpty && !samples.isEmpty) else { return false }
        let (mappingIDs, functionIDs, locationIDs) = (indexes.mappings, indexes.functions, indexes.locations)
        guard mappingIDs.duplicate == nil, functionIDs.duplicate == nil, locationIDs.duplicate == nil,
              !mappings.contains(where: { $0.id == 0 }), !functions.contains(where: { $0.id == 0 }), !locations.contains(where: { $0.id == 0 })
        else { return false }
        for location in locations {
            if location.mappingID != 0 && mappingIDs[location.mappingID] == nil { return false }
        }
        for line in lines where line.functionID == 0 || functionIDs[line.functionID] == nil { return false }
        let width = sampleTypes.count
        for sample in samples where sample.values.count != width { return false }
        for id in sampleLocations where locationIDs[id] == nil { return false }
        return true
    }
}
