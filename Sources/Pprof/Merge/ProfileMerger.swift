/// Merges profiles one at a time into an accumulator, following google/pprof's `profile.Merge`:
/// sample types and period type must match; samples with the same stack and labels have their
/// values summed; mappings, locations and functions are deduplicated; durations are summed,
/// the period is the largest, the time is the earliest, comments are unioned and samples whose
/// values are all zero are dropped.
///
/// Memory grows with the distinct content seen, not with the number of inputs, and the result
/// of ``finish()`` is canonical: the same inputs added in any order, or split across several
/// mergers later combined with ``absorb(_:)``, give an identical profile.
public struct ProfileMerger: Sendable {
    public let options: MergeOptions
    /// How many profiles went in, directly or through absorbed mergers.
    public private(set) var inputCount = 0
    /// The main binary (first mapping) of every input that had one: the executables profiled,
    /// which merging alone would lose (merged mappings are in canonical order).
    public private(set) var mainBinaries: Set<BinaryIdentity> = []

    var strings = StringInterner()

    // Header fields.
    var sampleTypes: [ValueTypeKey]? = nil
    var headerSource = ""
    var periodType = ValueTypeKey(type: 0, unit: 0)
    var period: Int64 = 0
    var durationNanos: Int64 = 0
    var timeNanos: Int64 = 0
    var comments = Set<Int32>()
    var dropFrames: Int32 = 0
    var keepFrames: Int32 = 0
    var defaultSampleType: Int32 = 0
    var docURL: Int32 = 0

    // Deduplicated entities, numbered by position.
    var functionKeys: [FunctionKey] = []
    var functionIndex: [FunctionKey: Int32] = [:]
    var mappingRecords: [MappingRecord] = []
    var mappingIndex: [MappingKey: Int32] = [:]
    var locationKeys: [LocationKey] = []
    var locationIndex: [LocationKey: Int32] = [:]
    var sampleKeys: [SampleKey] = []
    var sampleIndex: [SampleKey: Int32] = [:]
    /// Summed values, `sampleTypes.count` per sample. With rescaling, count values are stored
    /// multiplied by their input's period and divided by the final period in `finish()`, so no
    /// rounding happens before the end and the order of inputs cannot matter.
    var values: [Int64] = []
    /// The buffers `add(serialized:)` decodes into, kept from one input to the next.
    var scratch = FlatProfile()
    /// The buffer `add` builds location keys in.
    var lineScratch: [LineKey] = []

    public init(options: MergeOptions = MergeOptions()) {
        self.options = options
    }

    struct ValueTypeKey: Hashable {
        var type: Int32
        var unit: Int32
    }

    /// Adds a validated profile. `source` names it in errors. `mainBinaries`: the executables it
    /// was taken of, when they are known better than by its first mapping (a merged profile).
    public mutating func add(_ profile: Profile, source: String, mainBinaries: Set<BinaryIdentity>? = nil) throws(MergeError) {
        let flat = FlatProfile(profile)
        try add(flat: flat, indexes: flat.indexes(), source: source, mainBinaries: mainBinaries)
    }

    /// Decodes a serialized profile (gzip or not) and adds it, the way `add(Profile(serialized:))`
    /// would, without building the `Profile`: the input goes into buffers this merger reuses.
    /// An input that does not decode or validate is decoded again as a `Profile` for the exact
    /// error, so the errors are those of `Profile(serialized:limits:)`.
    public mutating func add(
        serialized buffer: UnsafeRawBufferPointer, source: String, limits: DecodingLimits = .default, mainBinaries: Set<BinaryIdentity>? = nil
    ) throws(SerializedMergeError) {
        var flat = FlatProfile()
        swap(&flat, &scratch)
        defer { swap(&flat, &scratch) }
        let decoded = Profile.withProtobuf(buffer, limits: limits) { (raw) -> FlatProfile.Indexes? in
            // Memory: each wire byte takes at most 64 bytes in the buffers, so inputs up to this
            // size need no cost pass; larger ones take the checked path.
            guard raw.count <= limits.maxDecodedCost / 64, (try? flat.decode(protobuf: raw)) != nil else { return nil }
            let indexes = flat.indexes()
            return flat.isValid(indexes) ? indexes : nil
        }
        guard let decoded, let indexes = decoded else {
            // The exact error (or, should the checked path accept it, the profile).
            let profile: Profile
            do { profile = try Profile(serialized: buffer, limits: limits) } catch { throw .decoding(error) }
            do { try add(profile, source: source, mainBinaries: mainBinaries) } catch { throw .merge(error) }
            return
        }
        do { try add(flat: flat, indexes: indexes, source: source, mainBinaries: mainBinaries) } catch { throw .merge(error) }
    }

    /// `add(serialized:)` of bytes in an array.
    public mutating func add(
        serialized bytes: [UInt8], source: String, limits: DecodingLimits = .default, mainBinaries: Set<BinaryIdentity>? = nil
    ) throws(SerializedMergeError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(SerializedMergeError) in try add(serialized: buffer, source: source, limits: limits, mainBinaries: mainBinaries) }
        }
        try result.get()
    }

    private mutating func add(
        flat profile: FlatProfile, indexes: FlatProfile.Indexes, source: String, mainBinaries: Set<BinaryIdentity>?
    ) throws(MergeError) {
        let s = profile.strings.map { strings.intern($0) }
        func str(_ index: Int64) -> Int32 { s[Int(index)] }

        let types = profile.sampleTypes.map { ValueTypeKey(type: str($0.type), unit: str($0.unit)) }
        let periodType = profile.periodType.map { ValueTypeKey(type: str($0.type), unit: str($0.unit)) }
        try mergeHeader(
            sampleTypes: types, periodType: periodType ?? ValueTypeKey(type: 0, unit: 0),
            isEmpty: profile.samples.isEmpty && types.isEmpty, source: source,
            period: profile.period, durationNanos: profile.durationNanos, timeNanos: profile.timeNanos,
            comments: profile.comments.map(str), dropFrames: str(profile.dropFrames),
            keepFrames: str(profile.keepFrames), defaultSampleType: str(profile.defaultSampleType),
            docURL: str(profile.docURL))
        inputCount += 1
        guard !profile.samples.isEmpty else { return }
        if let known = mainBinaries {
            self.mainBinaries.formUnion(known)
        } else if let main = profile.mappings.first {
            let id = profile.strings[Int(main.buildID)]
            self.mainBinaries.insert(id.isEmpty ? .file(profile.strings[Int(main.filename)]) : .buildID(id.lowercased()))
        }

        let scale = try valueScale(period: profile.period, source: source)

        var functionMap = [Int32](repeating: -1, count: profile.functions.count)
        for (i, f) in profile.functions.enumerated() {
            functionMap[i] = intern(FunctionKey(
                name: str(f.name), systemName: str(f.systemName), filename: str(f.filename), startLine: f.startLine))
        }
        let functionPositions = indexes.functions

        var mappingMap = [Int32](repeating: -1, count: profile.mappings.count)
        for (i, m) in profile.mappings.enumerated() {
            let buildIDOrFile = m.buildID != 0 && !profile.strings[Int(m.buildID)].isEmpty ? str(m.buildID) : str(m.filename)
            let flags = UInt8(m.hasFunctions ? 1 : 0) | (m.hasFilenames ? 2 : 0) | (m.hasLineNumbers ? 4 : 0) | (m.hasInlineFrames ? 8 : 0)
            mappingMap[i] = intern(
                MappingKey(m, buildIDOrFile: buildIDOrFile),
                MappingRecord(
                    memoryStart: m.memoryStart, memoryLimit: m.memoryLimit, fileOffset: m.fileOffset,
                    filename: str(m.filename), buildID: str(m.buildID), flags: flags))
        }
        let mappingPositions = indexes.mappings

        var locationMap = [Int32](repeating: -1, count: profile.locations.count)
        for (i, l) in profile.locations.enumerated() {
            var mapping: Int32 = -1
            var address = l.address
            if l.mappingID != 0, let position = mappingPositions[l.mappingID] {
                mapping = mappingMap[position]
                address = l.address &- profile.mappings[position].memoryStart
            }
            // The key is built in a reused buffer: a location seen before (most are) allocates nothing.
            lineScratch.removeAll(keepingCapacity: true)
            for line in profile.lines[Int(l.lines.lowerBound)..<Int(l.lines.upperBound)] {
                lineScratch.append(LineKey(
                    function: line.functionID == 0 ? -1 : functionPositions[line.functionID].map { functionMap[$0] } ?? -1,
                    line: line.line, column: line.column))
            }
            locationMap[i] = intern(LocationKey(mapping: mapping, address: address, lines: lineScratch, isFolded: l.isFolded))
        }
        let locationPositions = indexes.locations

        // Keys in reused buffers too: a sample whose stack and labels were seen before allocates nothing.
        var words: [Int32] = []
        var labels: [LabelKey] = []
        for sample in profile.samples {
            let values = profile.sampleValues[Int(sample.values.lowerBound)..<Int(sample.values.upperBound)]
            if values.allSatisfy({ $0 == 0 }) { continue }
            words.removeAll(keepingCapacity: true)
            for id in profile.sampleLocations[Int(sample.locations.lowerBound)..<Int(sample.locations.upperBound)] {
                guard let position = locationPositions[id] else { continue }
                words.append(locationMap[position])
            }
            let stackCount = Int32(words.count)
            if !sample.labels.isEmpty {
                labels.removeAll(keepingCapacity: true)
                for label in profile.sampleLabels[Int(sample.labels.lowerBound)..<Int(sample.labels.upperBound)] {
                    labels.append(LabelKey(key: str(label.key), str: str(label.str), num: label.num, numUnit: str(label.numUnit)))
                }
                sortLabels(&labels)
                for label in labels { SampleKey.append(label, to: &words) }
            }
            try addSample(SampleKey(words: words, stackCount: stackCount), values, scale: scale, source: source)
        }
    }


    /// Fixes the sample and period types every input must have, as if `profile` (named `source`)
    /// had come first, without adding anything of it: mergers that share one window's work then
    /// refuse the same inputs, with the same message, as one merger taking them in order would.
    public mutating func requireTypes(of profile: Profile, source: String) {
        guard sampleTypes == nil, !(profile.samples.isEmpty && profile.sampleTypes.isEmpty) else { return }
        func key(_ value: ValueType) -> ValueTypeKey {
            ValueTypeKey(type: strings.intern(profile.string(value.type)), unit: strings.intern(profile.string(value.unit)))
        }
        sampleTypes = profile.sampleTypes.map(key)
        periodType = profile.periodType.map(key) ?? ValueTypeKey(type: 0, unit: 0)
        headerSource = source
    }

    /// Folds another merger's content into this one, as if its inputs had been added here.
    public mutating func absorb(_ other: ProfileMerger) throws(MergeError) {
        let s = other.strings.strings.map { strings.intern($0) }
        func str(_ id: Int32) -> Int32 { s[Int(id)] }
        func remap(_ t: ValueTypeKey) -> ValueTypeKey { ValueTypeKey(type: str(t.type), unit: str(t.unit)) }

        try mergeHeader(
            sampleTypes: other.sampleTypes.map { $0.map(remap) } ?? [], periodType: remap(other.periodType),
            isEmpty: other.sampleTypes == nil, source: other.headerSource,
            period: other.period, durationNanos: other.durationNanos, timeNanos: other.timeNanos,
            comments: other.comments.map(str), dropFrames: str(other.dropFrames), keepFrames: str(other.keepFrames),
            defaultSampleType: str(other.defaultSampleType), docURL: str(other.docURL))
        inputCount += other.inputCount
        mainBinaries.formUnion(other.mainBinaries)

        let functionMap = other.functionKeys.map { f in
            intern(FunctionKey(name: str(f.name), systemName: str(f.systemName), filename: str(f.filename), startLine: f.startLine))
        }
        var mappingMap = [Int32](repeating: -1, count: other.mappingRecords.count)
        for (key, position) in other.mappingIndex {
            var record = other.mappingRecords[Int(position)]
            record.filename = str(record.filename)
            record.buildID = str(record.buildID)
            var newKey = key
            newKey.buildIDOrFile = str(key.buildIDOrFile)
            mappingMap[Int(position)] = intern(newKey, record)
        }
        let locationMap = other.locationKeys.map { l in
            intern(LocationKey(
                mapping: l.mapping < 0 ? -1 : mappingMap[Int(l.mapping)], address: l.address,
                lines: l.lines.map { LineKey(function: $0.function < 0 ? -1 : functionMap[Int($0.function)], line: $0.line, column: $0.column) },
                isFolded: l.isFolded))
        }
        let width = other.sampleTypes?.count ?? 0
        let unscaled = [Int64](repeating: 1, count: width)
        for (position, key) in other.sampleKeys.enumerated() {
            let labels = sortedLabels(key.labels.map { LabelKey(key: str($0.key), str: str($0.str), num: $0.num, numUnit: str($0.numUnit)) })
            try addSample(
                SampleKey(locations: key.locations.map { locationMap[Int($0)] }, labels: labels),
                other.values[position * width..<(position + 1) * width], scale: unscaled, source: other.headerSource)
        }
    }

    // MARK: - Shared steps

    private mutating func mergeHeader(
        sampleTypes types: [ValueTypeKey], periodType: ValueTypeKey, isEmpty: Bool, source: String,
        period: Int64, durationNanos: Int64, timeNanos: Int64, comments: [Int32],
        dropFrames: Int32, keepFrames: Int32, defaultSampleType: Int32, docURL: Int32
    ) throws(MergeError) {
        // A profile with neither samples nor sample types says nothing that could conflict.
        if !isEmpty {
            if let current = sampleTypes {
                if current != types {
                    throw MergeError(
                        source: source,
                        problem: "sample types \(describe(types)) do not match \(describe(current)) of \(headerSource)")
                }
                if self.periodType != periodType {
                    throw MergeError(
                        source: source,
                        problem: "period type \(describe([periodType])) does not match \(describe([self.periodType])) of \(headerSource)")
                }
            } else {
                sampleTypes = types
                self.periodType = periodType
                headerSource = source
            }
        }
        self.period = max(self.period, period)
        self.durationNanos &+= durationNanos
        if timeNanos != 0 && (self.timeNanos == 0 || timeNanos < self.timeNanos) { self.timeNanos = timeNanos }
        self.comments.formUnion(comments)
        self.dropFrames = smallestNonEmpty(self.dropFrames, dropFrames)
        self.keepFrames = smallestNonEmpty(self.keepFrames, keepFrames)
        self.defaultSampleType = smallestNonEmpty(self.defaultSampleType, defaultSampleType)
        self.docURL = smallestNonEmpty(self.docURL, docURL)
    }

    /// Where inputs disagree on a string field that pprof takes from its first input, the
    /// smallest non-empty value wins, so the result does not depend on input order.
    private func smallestNonEmpty(_ a: Int32, _ b: Int32) -> Int32 {
        if a == 0 { return b }
        if b == 0 { return a }
        return strings[b] < strings[a] ? b : a
    }

    private func describe(_ types: [ValueTypeKey]) -> String {
        "[" + types.map { "\(strings[$0.type])/\(strings[$0.unit])" }.joined(separator: " ") + "]"
    }

    /// The factor each value column of an input is multiplied by before summing.
    private func valueScale(period: Int64, source: String) throws(MergeError) -> [Int64] {
        let types = sampleTypes ?? []
        guard options.rescalesToCommonPeriod else { return [Int64](repeating: 1, count: types.count) }
        guard period > 0 else {
            throw MergeError(source: source, problem: "cannot rescale to a common period: the profile has no period")
        }
        return types.map { strings[$0.unit] == "count" ? period : 1 }
    }

    private mutating func intern(_ key: FunctionKey) -> Int32 {
        if let id = functionIndex[key] { return id }
        let id = Int32(functionKeys.count)
        functionKeys.append(key)
        functionIndex[key] = id
        return id
    }

    /// Mappings that merge keep one representative; choosing the smallest by value (not the
    /// first seen, as pprof does) keeps the result independent of input order.
    private mutating func intern(_ key: MappingKey, _ record: MappingRecord) -> Int32 {
        if let id = mappingIndex[key] {
            if precedes(record, mappingRecords[Int(id)]) { mappingRecords[Int(id)] = record }
            return id
        }
        let id = Int32(mappingRecords.count)
        mappingRecords.append(record)
        mappingIndex[key] = id
        return id
    }

    func precedes(_ a: MappingRecord, _ b: MappingRecord) -> Bool {
        if a.memoryStart != b.memoryStart { return a.memoryStart < b.memoryStart }
        if a.memoryLimit != b.memoryLimit { return a.memoryLimit < b.memoryLimit }
        if a.fileOffset != b.fileOffset { return a.fileOffset < b.fileOffset }
        if a.filename != b.filename { return strings[a.filename] < strings[b.filename] }
        if a.buildID != b.buildID { return strings[a.buildID] < strings[b.buildID] }
        return a.flags < b.flags
    }

    private mutating func intern(_ key: LocationKey) -> Int32 {
        if let id = locationIndex[key] { return id }
        let id = Int32(locationKeys.count)
        locationKeys.append(key)
        locationIndex[key] = id
        return id
    }

    private mutating func addSample(
        _ key: SampleKey, _ sampleValues: some Collection<Int64>, scale: [Int64], source: String
    ) throws(MergeError) {
        let width = scale.count
        let base: Int
        if let id = sampleIndex[key] {
            base = Int(id) * width
        } else {
            base = sampleKeys.count * width
            sampleIndex[key] = Int32(sampleKeys.count)
            sampleKeys.append(key)
            values.append(contentsOf: repeatElement(0, count: width))
        }
        for (column, value) in sampleValues.enumerated() {
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: scale[column])
            let (sum, overflow2) = values[base + column].addingReportingOverflow(scaled)
            if overflow1 || overflow2 {
                throw MergeError(source: source, problem: "sample values overflow 64 bits when merged")
            }
            values[base + column] = sum
        }
    }

    /// pprof keeps label values of one key in their order; only the order between keys is free.
    /// A stable insertion sort by key, in place: samples carry a handful of labels.
    private func sortLabels(_ labels: inout [LabelKey]) {
        guard labels.count > 1 else { return }
        for i in 1..<labels.count {
            let label = labels[i]
            var j = i
            while j > 0, labels[j - 1].key > label.key {
                labels[j] = labels[j - 1]
                j -= 1
            }
            labels[j] = label
        }
    }

    private func sortedLabels(_ labels: [LabelKey]) -> [LabelKey] {
        var sorted = labels
        sortLabels(&sorted)
        return sorted
    }
}
