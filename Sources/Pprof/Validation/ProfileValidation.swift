/// A profile that decoded but breaks one of profile.proto's rules.
public struct ProfileValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problem: String
    public init(_ problem: String) { self.problem = problem }
    public var description: String { "invalid profile: \(problem)" }
}

extension Profile {
    /// Checks the rules google/pprof enforces when it parses a profile: the string table starts
    /// with "", every string index is in range, ids are non-zero and unique, every reference
    /// resolves, and every sample has one value per sample type.
    public func validate() throws(ProfileValidationError) {
        guard let first = stringTable.first else {
            throw ProfileValidationError("the string table is empty (entry 0 must be \"\")")
        }
        guard first.isEmpty else {
            throw ProfileValidationError("string_table[0] must be \"\", found \(quoted(first))")
        }
        try checkStrings()

        if sampleTypes.isEmpty && !samples.isEmpty {
            throw ProfileValidationError("\(samples.count) samples but no sample types")
        }
        let mappingIDs = try uniqueIDs(mappings.map(\.id), kind: "mapping")
        let functionIDs = try uniqueIDs(functions.map(\.id), kind: "function")
        let locationIDs = try uniqueIDs(locations.map(\.id), kind: "location")

        for location in locations {
            if location.mappingID != 0 && mappingIDs[location.mappingID] == nil {
                throw ProfileValidationError("location id \(location.id) references mapping id \(location.mappingID), which does not exist")
            }
            for line in location.lines {
                // pprof: "has a line with nil function"; Go's PGO rejects such a profile too.
                guard line.functionID != 0 else { throw ProfileValidationError("location id \(location.id) has a line with function id 0 (no function)") }
                guard functionIDs[line.functionID] != nil else {
                    throw ProfileValidationError("location id \(location.id) references function id \(line.functionID), which does not exist")
                }
            }
        }
        for (index, sample) in samples.enumerated() {
            if sample.values.count != sampleTypes.count {
                throw ProfileValidationError(
                    "sample #\(index) has \(sample.values.count) values but there are \(sampleTypes.count) sample types")
            }
            for id in sample.locationIDs where locationIDs[id] == nil {
                throw ProfileValidationError("sample #\(index) references location id \(id), which does not exist")
            }
        }
    }

    private func uniqueIDs(_ ids: [UInt64], kind: String) throws(ProfileValidationError) -> IDIndex {
        for (index, id) in ids.enumerated() where id == 0 {
            throw ProfileValidationError("\(kind) #\(index) has id 0 (ids must be non-zero)")
        }
        let index = IDIndex(ids)
        if let duplicate = index.duplicate {
            throw ProfileValidationError("\(kind) id \(duplicate) is used more than once")
        }
        return index
    }

    private func checkStrings() throws(ProfileValidationError) {
        let count = Int64(stringTable.count)
        func check(_ index: Int64, _ what: @autoclosure () -> String) throws(ProfileValidationError) {
            if index < 0 || index >= count {
                throw ProfileValidationError(
                    "\(what()) is string index \(index), out of range for a string table of \(count) entries")
            }
        }
        for (i, t) in sampleTypes.enumerated() {
            try check(t.type, "sample type #\(i) type")
            try check(t.unit, "sample type #\(i) unit")
        }
        if let periodType {
            try check(periodType.type, "period type")
            try check(periodType.unit, "period unit")
        }
        for (i, sample) in samples.enumerated() {
            for label in sample.labels {
                try check(label.key, "a label key of sample #\(i)")
                try check(label.str, "a label value of sample #\(i)")
                try check(label.numUnit, "a label unit of sample #\(i)")
            }
        }
        for m in mappings {
            try check(m.filename, "the filename of mapping id \(m.id)")
            try check(m.buildID, "the build id of mapping id \(m.id)")
        }
        for f in functions {
            try check(f.name, "the name of function id \(f.id)")
            try check(f.systemName, "the system name of function id \(f.id)")
            try check(f.filename, "the filename of function id \(f.id)")
        }
        try check(dropFrames, "drop_frames")
        try check(keepFrames, "keep_frames")
        for c in comments { try check(c, "a comment") }
        try check(defaultSampleType, "default_sample_type")
        try check(docURL, "doc_url")
    }
}

func quoted(_ s: String) -> String {
    "\"" + s.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
}
