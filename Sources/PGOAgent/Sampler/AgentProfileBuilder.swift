import Foundation
import Pprof

/// Turns sampled stacks into a pprof CPU profile with addresses and mappings (and function
/// names from the main executable's symbol table): what `pgo convert --binary` symbolizes.
struct AgentProfileBuilder {
    var frequency: Int
    var start: Date
    var duration: Duration
    var mappings: [ProcessMapping]
    /// The running executable's path (/proc/self/exe), whose mapping goes first, as pprof expects.
    var executable: String?
    var binaries: BinaryInfoCache = .shared

    func build(stacks: [SampledStack: Int], taken: UInt64, dropped: UInt64) -> Profile {
        var profile = Profile()
        var strings: [String: Int64] = ["": 0]
        profile.stringTable = [""]
        func intern(_ string: String) -> Int64 {
            if let index = strings[string] { return index }
            profile.stringTable.append(string)
            strings[string] = Int64(profile.stringTable.count - 1)
            return Int64(profile.stringTable.count - 1)
        }
        let period = Int64(1_000_000_000 / max(frequency, 1))
        profile.sampleTypes = [ValueType(type: intern("samples"), unit: intern("count")),
                               ValueType(type: intern("cpu"), unit: intern("nanoseconds"))]
        profile.periodType = ValueType(type: intern("cpu"), unit: intern("nanoseconds"))
        profile.period = period
        profile.timeNanos = Int64(start.timeIntervalSince1970 * 1e9)
        profile.durationNanos = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        profile.comments = [intern("swift-pgo agent"), intern("frequency: \(frequency) Hz"), intern("samples taken: \(taken)")]
        if dropped > 0 { profile.comments.append(intern("dropped \(dropped) samples (buffers full)")) }

        // Mappings that samples touch, the executable first.
        let byStart = mappings.sorted { $0.start < $1.start }
        func mappingIndex(_ address: UInt64) -> Int? {
            var low = 0, high = byStart.count
            while low < high {
                let middle = (low + high) / 2
                if byStart[middle].start <= address { low = middle + 1 } else { high = middle }
            }
            return low > 0 && address < byStart[low - 1].end ? low - 1 : nil
        }
        var mappingIDs: [Int: UInt64] = [:]  // index in byStart -> pprof id
        func mappingID(_ index: Int) -> UInt64 {
            if let id = mappingIDs[index] { return id }
            let mapping = byStart[index]
            let info = binaries.info(for: mapping.path, withSymbols: mapping.path == executable)
            let id = UInt64(profile.mappings.count + 1)
            profile.mappings.append(Mapping(
                id: id, memoryStart: mapping.start, memoryLimit: mapping.end, fileOffset: mapping.fileOffset,
                filename: intern(mapping.path), buildID: intern(info.buildID ?? ""), hasFunctions: mapping.path == executable))
            mappingIDs[index] = id
            return id
        }
        // Create the executable's mapping first when it was sampled at all.
        if let executable, let index = byStart.firstIndex(where: { $0.path == executable }),
           stacks.keys.contains(where: { $0.frames.contains { byStart[index].start <= $0 && $0 < byStart[index].end } }) {
            _ = mappingID(index)
        }

        var locationIDs: [UInt64: UInt64] = [:]
        var functionIDs: [String: UInt64] = [:]
        func location(_ address: UInt64) -> UInt64 {
            if let id = locationIDs[address] { return id }
            let id = UInt64(profile.locations.count + 1)
            var location = Location(id: id, address: address)
            if let index = mappingIndex(address) {
                location.mappingID = mappingID(index)
                let mapping = byStart[index]
                if mapping.path == executable {
                    let info = binaries.info(for: mapping.path, withSymbols: true)
                    let fileOffset = address - mapping.start + mapping.fileOffset
                    if let elf = info.elf, let name = info.symbol(at: elf.virtualAddress(ofFileOffset: fileOffset)) {
                        let functionID = functionIDs[name] ?? {
                            let newID = UInt64(profile.functions.count + 1)
                            let interned = intern(name)
                            profile.functions.append(Function(id: newID, name: interned, systemName: interned))
                            functionIDs[name] = newID
                            return newID
                        }()
                        location.lines = [Line(functionID: functionID, line: 0)]
                    }
                }
            }
            profile.locations.append(location)
            locationIDs[address] = id
            return id
        }
        // Deterministic order: by thread, then stack.
        let ordered = stacks.sorted { a, b in
            a.key.thread != b.key.thread ? a.key.thread < b.key.thread : a.key.frames.lexicographicallyPrecedes(b.key.frames)
        }
        for (stack, count) in ordered {
            // The leaf is the interrupted instruction; callers are return addresses, moved back
            // into the call instruction so that they symbolize to the line of the call.
            let addresses = stack.frames.enumerated().map { $0.offset == 0 ? $0.element : $0.element &- 1 }
            let labels = stack.thread == 0 ? [] : [Label(key: intern("thread"), num: Int64(stack.thread))]
            profile.samples.append(Sample(locationIDs: addresses.map(location), values: [Int64(count), Int64(count) * period], labels: labels))
        }
        return profile
    }
}
