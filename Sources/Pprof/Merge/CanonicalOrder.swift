extension ProfileMerger {
    /// The merged profile in canonical form: entities sorted by content and numbered from 1,
    /// strings in order of first use. Samples whose values sum to zero are dropped, and with
    /// them every location, function and mapping that only they used.
    public func finish() -> Profile {
        let width = sampleTypes?.count ?? 0
        let finalScale = finalDivisors()

        // Final values, dropping all-zero samples.
        var keptSamples: [(key: SampleKey, values: [Int64])] = []
        for (position, key) in sampleKeys.enumerated() {
            var sampleValues = Array(values[position * width..<(position + 1) * width])
            for column in 0..<width where finalScale[column] > 1 {
                sampleValues[column] = dividedRounding(sampleValues[column], by: finalScale[column])
            }
            if sampleValues.allSatisfy({ $0 == 0 }) { continue }
            keptSamples.append((key, sampleValues))
        }

        // Which entities survive.
        var locationUsed = [Bool](repeating: false, count: locationKeys.count)
        for sample in keptSamples { for l in sample.key.locations { locationUsed[Int(l)] = true } }
        var functionUsed = [Bool](repeating: false, count: functionKeys.count)
        var mappingUsed = [Bool](repeating: false, count: mappingRecords.count)
        for (l, used) in locationKeys.enumerated() where locationUsed[l] {
            _ = used
            let key = locationKeys[l]
            if key.mapping >= 0 { mappingUsed[Int(key.mapping)] = true }
            for line in key.lines where line.function >= 0 { functionUsed[Int(line.function)] = true }
        }

        // Functions by name, system name, file and start line.
        let functionOrder = functionKeys.indices.filter { functionUsed[$0] }.sorted { a, b in
            let x = functionKeys[a], y = functionKeys[b]
            if x.name != y.name { return strings[x.name] < strings[y.name] }
            if x.systemName != y.systemName { return strings[x.systemName] < strings[y.systemName] }
            if x.filename != y.filename { return strings[x.filename] < strings[y.filename] }
            return x.startLine < y.startLine
        }
        let functionID = newIDs(functionOrder, count: functionKeys.count)

        let mappingOrder = mappingRecords.indices.filter { mappingUsed[$0] }.sorted {
            precedes(mappingRecords[$0], mappingRecords[$1])
        }
        let mappingID = newIDs(mappingOrder, count: mappingRecords.count)

        // Locations as they will be written: mapped ids and absolute addresses.
        func outputLocation(_ l: Int) -> Location {
            let key = locationKeys[l]
            var location = Location(isFolded: key.isFolded)
            if key.mapping >= 0 {
                location.mappingID = mappingID[Int(key.mapping)]
                location.address = key.address &+ mappingRecords[Int(key.mapping)].memoryStart
            } else {
                location.address = key.address
            }
            location.lines = key.lines.map {
                Line(functionID: $0.function < 0 ? 0 : functionID[Int($0.function)], line: $0.line, column: $0.column)
            }
            return location
        }
        let candidates = locationKeys.indices.filter { locationUsed[$0] }.map { ($0, outputLocation($0)) }
        let sortedLocations = candidates.sorted { locationPrecedes($0.1, $1.1) }
        var locationID = [UInt64](repeating: 0, count: locationKeys.count)
        var profile = Profile()
        profile.locations.reserveCapacity(sortedLocations.count)
        for (n, (position, location)) in sortedLocations.enumerated() {
            locationID[position] = UInt64(n + 1)
            var location = location
            location.id = UInt64(n + 1)
            profile.locations.append(location)
        }

        profile.stringTable = strings.strings
        profile.sampleTypes = (sampleTypes ?? []).map { ValueType(type: Int64($0.type), unit: Int64($0.unit)) }
        profile.functions = functionOrder.enumerated().map { n, f in
            let key = functionKeys[f]
            return Function(
                id: UInt64(n + 1), name: Int64(key.name), systemName: Int64(key.systemName),
                filename: Int64(key.filename), startLine: key.startLine)
        }
        profile.mappings = mappingOrder.enumerated().map { n, m in
            let r = mappingRecords[m]
            return Mapping(
                id: UInt64(n + 1), memoryStart: r.memoryStart, memoryLimit: r.memoryLimit, fileOffset: r.fileOffset,
                filename: Int64(r.filename), buildID: Int64(r.buildID), hasFunctions: r.flags & 1 != 0,
                hasFilenames: r.flags & 2 != 0, hasLineNumbers: r.flags & 4 != 0, hasInlineFrames: r.flags & 8 != 0)
        }
        profile.samples = keptSamples.map { sample in
            let labels = sample.key.labels.enumerated().sorted { a, b in
                a.element.key == b.element.key ? a.offset < b.offset : strings[a.element.key] < strings[b.element.key]
            }
            return Sample(
                locationIDs: sample.key.locations.map { locationID[Int($0)] }, values: sample.values,
                labels: labels.map { Label(key: Int64($0.element.key), str: Int64($0.element.str), num: $0.element.num, numUnit: Int64($0.element.numUnit)) })
        }
        profile.samples.sort(by: samplePrecedes(in: profile))

        profile.dropFrames = Int64(dropFrames)
        profile.keepFrames = Int64(keepFrames)
        profile.timeNanos = timeNanos
        profile.durationNanos = durationNanos
        profile.periodType = periodType == ValueTypeKey(type: 0, unit: 0)
            ? nil : ValueType(type: Int64(periodType.type), unit: Int64(periodType.unit))
        profile.period = period
        profile.comments = comments.sorted { strings[$0] < strings[$1] }.map(Int64.init)
        profile.defaultSampleType = Int64(defaultSampleType)
        profile.docURL = Int64(docURL)
        return profile.compactingStrings()
    }

    private func finalDivisors() -> [Int64] {
        guard options.rescalesToCommonPeriod, period > 0 else {
            return [Int64](repeating: 1, count: sampleTypes?.count ?? 0)
        }
        return (sampleTypes ?? []).map { strings[$0.unit] == "count" ? period : 1 }
    }

    private func newIDs(_ order: [Int], count: Int) -> [UInt64] {
        var ids = [UInt64](repeating: 0, count: count)
        for (n, position) in order.enumerated() { ids[position] = UInt64(n + 1) }
        return ids
    }
}

/// Rounds half away from zero, so rescaled positive and negative values stay symmetric. Exact
/// for every value, Int64.min and Int64.max included (`divisor` > 0): the remainder decides, so
/// nothing is added to or negated from the value itself.
func dividedRounding(_ value: Int64, by divisor: Int64) -> Int64 {
    let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
    guard remainder.magnitude >= (divisor.magnitude + 1) / 2 else { return quotient }
    return value >= 0 ? quotient + 1 : quotient - 1
}

func locationPrecedes(_ a: Location, _ b: Location) -> Bool {
    if a.mappingID != b.mappingID { return a.mappingID < b.mappingID }
    if a.address != b.address { return a.address < b.address }
    for (x, y) in zip(a.lines, b.lines) where x != y {
        if x.functionID != y.functionID { return x.functionID < y.functionID }
        if x.line != y.line { return x.line < y.line }
        return x.column < y.column
    }
    if a.lines.count != b.lines.count { return a.lines.count < b.lines.count }
    return !a.isFolded && b.isFolded
}

/// Orders samples by stack, then by labels compared as strings.
func samplePrecedes(in profile: Profile) -> (Sample, Sample) -> Bool {
    { a, b in
        if a.locationIDs != b.locationIDs { return a.locationIDs.lexicographicallyPrecedes(b.locationIDs) }
        for (x, y) in zip(a.labels, b.labels) where x != y {
            if x.key != y.key { return profile.string(x.key) < profile.string(y.key) }
            if x.str != y.str { return profile.string(x.str) < profile.string(y.str) }
            if x.num != y.num { return x.num < y.num }
            return profile.string(x.numUnit) < profile.string(y.numUnit)
        }
        return a.labels.count < b.labels.count
    }
}
