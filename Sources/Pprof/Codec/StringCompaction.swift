extension Profile {
    /// The same profile with a string table holding only the strings it uses, numbered in the
    /// order the encoder meets them. Two profiles with equal content then encode identically,
    /// whatever their original tables looked like.
    public func compactingStrings() -> Profile {
        var newIndex = [Int64](repeating: -1, count: stringTable.count)
        var table: [String] = [""]
        if !newIndex.isEmpty { newIndex[0] = 0 }
        func map(_ index: Int64) -> Int64 {
            let old = Int(index)
            if newIndex[old] < 0 {
                newIndex[old] = Int64(table.count)
                table.append(stringTable[old])
            }
            return newIndex[old]
        }
        var p = self
        // Encoding order: sample types, samples, mappings, locations, functions, then the header.
        p.sampleTypes = sampleTypes.map { ValueType(type: map($0.type), unit: map($0.unit)) }
        for i in p.samples.indices where !p.samples[i].labels.isEmpty {
            p.samples[i].labels = p.samples[i].labels.map {
                Label(key: map($0.key), str: map($0.str), num: $0.num, numUnit: map($0.numUnit))
            }
        }
        for i in p.mappings.indices {
            p.mappings[i].filename = map(p.mappings[i].filename)
            p.mappings[i].buildID = map(p.mappings[i].buildID)
        }
        for i in p.functions.indices {
            p.functions[i].name = map(p.functions[i].name)
            p.functions[i].systemName = map(p.functions[i].systemName)
            p.functions[i].filename = map(p.functions[i].filename)
        }
        p.dropFrames = map(dropFrames)
        p.keepFrames = map(keepFrames)
        p.periodType = periodType.map { ValueType(type: map($0.type), unit: map($0.unit)) }
        p.comments = comments.map(map)
        p.defaultSampleType = map(defaultSampleType)
        p.docURL = map(docURL)
        p.stringTable = table
        return p
    }
}
