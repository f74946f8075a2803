/// Why a profile cannot feed Go's PGO.
public struct GoPGOError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problem: String
    public var description: String { problem }
}

extension Profile {
    /// The part of this profile that `go build -pgo` reads, and nothing else.
    ///
    /// The Go compiler (cmd/internal/pgo) takes the first sample type that is `samples/count`
    /// or `cpu/nanoseconds`, and builds its call graph from the two leaf-most locations of each
    /// sample only. Its graph nodes are identified by address, function name, start line and
    /// line. So the trimmed profile keeps that one value, stacks cut to two locations, location
    /// addresses and lines, and function names and start lines; mappings, file names, columns,
    /// labels and header fields go. `go tool preprofile` gives the same output for both.
    public func trimmedForGoPGO() throws(GoPGOError) -> Profile {
        guard !samples.isEmpty else {
            // Go accepts a profile without samples and builds without PGO.
            var empty = Profile()
            empty.sampleTypes = sampleTypes.prefix(1).map { $0 }
            empty.stringTable = stringTable
            return empty.compactingStrings()
        }
        guard let valueIndex = sampleTypes.firstIndex(where: {
            (string($0.type) == "samples" && string($0.unit) == "count")
                || (string($0.type) == "cpu" && string($0.unit) == "nanoseconds")
        }) else {
            let types = sampleTypeNames().joined(separator: " ")
            throw GoPGOError(problem: "no samples/count or cpu/nanoseconds sample type (found: \(types)); Go's PGO needs one")
        }
        var trimmed = Profile()
        trimmed.stringTable = stringTable
        trimmed.sampleTypes = [sampleTypes[valueIndex]]
        trimmed.samples = samples.compactMap { sample in
            let value = sample.values[valueIndex]
            guard value != 0 else { return nil }
            return Sample(locationIDs: Array(sample.locationIDs.prefix(2)), values: [value])
        }
        trimmed.locations = locations.map { location in
            Location(id: location.id, address: location.address, lines: location.lines.map {
                Line(functionID: $0.functionID, line: $0.line)
            })
        }
        trimmed.functions = functions.map { Function(id: $0.id, name: $0.name, startLine: $0.startLine) }
        // Merging the profile with itself deduplicates what trimming made equal and drops
        // locations and functions that only the cut frames used.
        var merger = ProfileMerger()
        do { try merger.add(trimmed, source: "") } catch { preconditionFailure("a profile merges with itself: \(error)") }
        return merger.finish()
    }
}
