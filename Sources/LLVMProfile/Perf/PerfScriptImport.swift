import BinaryFormats
import Foundation
import Pprof

/// What an import placed and what it had to leave out, for the command's warnings.
public struct PerfImportReport: Equatable, Sendable {
    public var samples = 0
    /// Samples none of whose frames could be placed in the binary (other processes, kernel or
    /// library time, or stacks that never reach the binary's code).
    public var samplesWithoutBinaryFrame = 0
    public var framesInBinary = 0
    /// Frames perf attributed to the binary that could not be placed in it: no symbol it has
    /// and no known load address to go by, or an address outside its code.
    public var binaryFramesDropped = 0
    /// Frames with neither a DSO nor a kernel address (`[unknown] ([unknown])`).
    public var framesWithoutDSO = 0
    /// The perf DSO paths taken to be the binary.
    public var binaryDSOs: [String] = []

    public var framesDropped: Int { binaryFramesDropped + framesWithoutDSO }
    public init() {}
}

public struct PerfImportError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Turns `perf script` samples into a pprof CPU profile whose addresses in the binary are ELF
/// virtual addresses, ready for `Symbolization` against that exact binary.
///
/// perf prints runtime addresses for the sampled IP without call graphs but DSO-relative
/// addresses (file offsets, in perf 6.1) in call graphs, and `symbol+offset` for both. So a
/// frame is placed by its symbol: the symbol's value in the binary's symbol table plus the
/// offset. Where perf gave no symbol the binary knows (`[unknown]`, PLT stubs, demangled
/// names), the frame is placed by its address minus the distance between perf's addresses and
/// the binary's that the symbolized frames of the same process and DSO show; that distance must
/// be one and the same for all of them, or the binary is not the one perf sampled.
///
/// The binary's mapping describes its executable PT_LOAD segment as if loaded at its link
/// address (memory_start = p_vaddr, file_offset = p_offset), so every process and run of the
/// binary shares the same locations, and `address - memory_start + file_offset` is the file
/// offset pprof tools expect. Caller frames hold return addresses; they are moved back one
/// byte into the call instruction so that they symbolize to the call's line and inline stack.
/// Frames of other DSOs keep perf's address and symbol name in mappings of their own.
public enum PerfScriptImport {
    public static func profile(
        from samples: [PerfSample], binary: ELFFile, binaryDSO: String? = nil, report: inout PerfImportReport
    ) throws -> Profile {
        guard !samples.isEmpty else { throw PerfImportError(description: "the perf script holds no samples") }
        let events = Dictionary(grouping: samples, by: \.event).mapValues(\.count)
        guard events.count == 1, let event = events.keys.first else {
            let list = events.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            throw PerfImportError(description: "the perf script mixes samples of several events: \(list); record a single event (perf record -e cpu-clock -g)")
        }
        let binaryName = URL(fileURLWithPath: binary.path).lastPathComponent
        func isBinary(_ dso: String?) -> Bool {
            guard let dso else { return false }
            if let binaryDSO { return dso == binaryDSO }
            return URL(fileURLWithPath: dso).lastPathComponent == binaryName
        }
        let distances = try loadDistances(samples, binary: binary, isBinary: isBinary)

        var builder = ProfileBuilder()
        let clock = ["cpu-clock", "task-clock"].contains(event.split(separator: ":").first.map(String.init) ?? event)
        let periods = samples.compactMap(\.period)
        let periodType = periods.count == samples.count
            ? (clock ? ValueType(type: builder.intern("cpu"), unit: builder.intern("nanoseconds"))
                     : ValueType(type: builder.intern(event), unit: builder.intern("events")))
            : nil
        builder.profile.sampleTypes = [ValueType(type: builder.intern("samples"), unit: builder.intern("count"))] + (periodType.map { [$0] } ?? [])
        if let periodType {
            builder.profile.periodType = periodType
            let counts = Dictionary(grouping: periods, by: { $0 }).mapValues(\.count)
            let common = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
            builder.profile.period = Int64(clamping: common)
        }
        if let first = samples.map(\.timeNanos).min(), let last = samples.map(\.timeNanos).max() {
            builder.profile.durationNanos = Int64(clamping: last - first)
        }

        // The binary's executable segments come first (mapping 1 is the main binary, as in pprof).
        let binaryDSOs = Set(samples.flatMap { $0.frames.compactMap(\.dso) }.filter(isBinary)).sorted()
        report.binaryDSOs = binaryDSOs
        let binaryFilename = builder.intern(binaryDSOs.first ?? binary.path)
        let buildID = builder.intern(binary.buildID ?? "")
        let segments = binary.segments.filter(\.isExecutable)
        for segment in segments {
            builder.profile.mappings.append(Mapping(
                id: UInt64(builder.profile.mappings.count + 1), memoryStart: segment.virtualAddress,
                memoryLimit: segment.virtualAddress &+ segment.memorySize, fileOffset: segment.offset,
                filename: binaryFilename, buildID: buildID, hasFunctions: true))
        }

        report.samples += samples.count
        for sample in samples {
            var locationIDs: [UInt64] = []
            var inBinary = false
            var exact = true  // the sampled IP, or the first user frame after kernel frames
            for frame in sample.frames {
                defer { exact = frame.isKernel }
                if isBinary(frame.dso), let dso = frame.dso {
                    let distance = distances[AddressSpace(space: sample.addressSpace, dso: dso)]?.distance
                    guard let address = place(frame, in: binary, distance: distance), address > 0,
                          let segment = binary.executableSegment(containing: address), let index = segments.firstIndex(of: segment) else {
                        report.binaryFramesDropped += 1
                        continue
                    }
                    locationIDs.append(builder.location(
                        mapping: UInt64(index + 1), address: exact ? address : address - 1, symbol: frame.symbol, keyedBySymbol: false))
                    inBinary = true
                    report.framesInBinary += 1
                } else if let dso = frame.isKernel ? "[kernel.kallsyms]" : frame.dso {
                    locationIDs.append(builder.location(mapping: builder.mapping(for: dso, address: frame.address), address: frame.address, symbol: frame.symbol, keyedBySymbol: true))
                } else {
                    report.framesWithoutDSO += 1
                }
            }
            if !inBinary { report.samplesWithoutBinaryFrame += 1 }
            let values = [Int64(1)] + (periodType == nil ? [] : [Int64(clamping: sample.period ?? 0)])
            builder.profile.samples.append(Sample(locationIDs: locationIDs, values: values))
        }

        guard report.framesInBinary > 0 else {
            var seen: [String: Int] = [:]
            for frame in samples.flatMap(\.frames) { seen[frame.isKernel ? "[kernel.kallsyms]" : frame.dso ?? "[unknown]", default: 0] += 1 }
            let list = seen.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(6)
                .map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            let why = binaryDSOs.isEmpty
                ? "no frame is in a DSO named \(binaryDSO ?? binaryName)"
                : "none of the \(report.binaryFramesDropped) frames in \(binaryDSOs.joined(separator: ", ")) could be placed in it (no symbols it knows)"
            throw PerfImportError(description: "no sample touches \(binary.path) (build ID \(binary.buildID ?? "none")): \(why); the frames are in \(list)"
                + (binaryDSO == nil ? "; if the binary ran under another file name, name it with --dso PATH" : ""))
        }
        try builder.profile.validate()
        return builder.profile
    }

    struct AddressSpace: Hashable {
        var space: Int
        var dso: String
    }

    /// perf's address minus the binary's virtual address, per process and DSO, from the frames
    /// whose symbol the binary has exactly once; with the frame that showed it.
    static func loadDistances(
        _ samples: [PerfSample], binary: ELFFile, isBinary: (String?) -> Bool
    ) throws -> [AddressSpace: (distance: UInt64, frame: PerfFrame, address: UInt64)] {
        var distances: [AddressSpace: (distance: UInt64, frame: PerfFrame, address: UInt64)] = [:]
        var unknownSymbol: PerfFrame? = nil
        var known = 0, unknown = 0
        for sample in samples {
            for frame in sample.frames where isBinary(frame.dso) {
                guard let name = frame.symbol, let offset = frame.symbolOffset, let dso = frame.dso else { continue }
                guard let candidates = binary.symbols[name] else {
                    if unknownSymbol == nil { unknownSymbol = frame }
                    unknown += 1
                    continue
                }
                known += 1
                guard candidates.count == 1 else { continue }
                let symbol = candidates[0]
                let address = symbol.value &+ offset
                if symbol.size > 0, offset > symbol.size {
                    throw mismatch(binary, dso, "perf places line \(frame.line)'s frame at \(name)+0x\(hex(offset)), beyond that symbol's \(symbol.size) bytes in the binary")
                }
                let key = AddressSpace(space: sample.addressSpace, dso: dso)
                let distance = frame.address &- address
                if let known = distances[key] {
                    if known.distance != distance {
                        throw mismatch(binary, dso, "its symbols put line \(known.frame.line)'s \(known.frame.symbol ?? "?")+0x\(hex(known.frame.symbolOffset ?? 0)) at 0x\(hex(known.address)) and line \(frame.line)'s \(name)+0x\(hex(offset)) at 0x\(hex(address)), which perf sampled at 0x\(hex(known.frame.address)) and 0x\(hex(frame.address))")
                    }
                } else {
                    distances[key] = (distance, frame, address)
                }
            }
        }
        // The binary that ran has every symbol perf named but PLT stubs and demangled C++ names.
        if unknown > known, let frame = unknownSymbol, let dso = frame.dso {
            let share = known == 0 ? "none of the symbols" : "\(unknown) of the \(unknown + known) symbols"
            throw mismatch(binary, dso, "\(share) perf named in it are not in the binary's symbol table (for example \(frame.symbol ?? "?") at line \(frame.line)); it is another program, or stripped")
        }
        return distances
    }

    /// The binary's virtual address of a frame, by symbol where the binary has it, else by
    /// the address space's distance; nil when neither works.
    static func place(_ frame: PerfFrame, in binary: ELFFile, distance: UInt64?) -> UInt64? {
        if let name = frame.symbol, let offset = frame.symbolOffset, let candidates = binary.symbols[name] {
            if candidates.count == 1 { return candidates[0].value &+ offset }
            if let distance, let match = candidates.first(where: { $0.value &+ offset == frame.address &- distance }) {
                return match.value &+ offset
            }
        }
        return distance.map { frame.address &- $0 }
    }

    static func mismatch(_ binary: ELFFile, _ dso: String, _ detail: String) -> PerfImportError {
        PerfImportError(description: "\(binary.path) (build ID \(binary.buildID ?? "none")) is not the binary perf sampled as \(dso): \(detail)")
    }

    static func hex(_ value: UInt64) -> String { String(value, radix: 16) }
}

/// Interns strings, functions, mappings and locations while a profile is assembled.
private struct ProfileBuilder {
    var profile = Profile()
    private var strings: [String: Int64] = ["": 0]
    private var functions: [String: UInt64] = [:]
    private var mappings: [String: UInt64] = [:]
    private var locations: [LocationKey: UInt64] = [:]

    struct LocationKey: Hashable {
        var mapping: UInt64
        var address: UInt64
        var symbol: String?
    }

    mutating func intern(_ string: String) -> Int64 {
        if let index = strings[string] { return index }
        profile.stringTable.append(string)
        strings[string] = Int64(profile.stringTable.count - 1)
        return Int64(profile.stringTable.count - 1)
    }

    /// A mapping per other DSO, spanning the addresses perf printed for it.
    mutating func mapping(for dso: String, address: UInt64) -> UInt64 {
        let id: UInt64
        if let known = mappings[dso] {
            id = known
        } else {
            id = UInt64(profile.mappings.count + 1)
            profile.mappings.append(Mapping(id: id, filename: intern(dso), hasFunctions: true))
            mappings[dso] = id
        }
        let index = Int(id - 1)
        profile.mappings[index].memoryLimit = max(profile.mappings[index].memoryLimit, address == .max ? address : address + 1)
        return id
    }

    /// One location per address in a mapping; in other DSOs, whose addresses perf may print
    /// per process, also per symbol.
    mutating func location(mapping: UInt64, address: UInt64, symbol: String?, keyedBySymbol: Bool) -> UInt64 {
        let key = LocationKey(mapping: mapping, address: address, symbol: keyedBySymbol ? symbol : nil)
        if let id = locations[key] { return id }
        let id = UInt64(profile.locations.count + 1)
        let lines = symbol.map { [Line(functionID: function($0))] } ?? []
        profile.locations.append(Location(id: id, mappingID: mapping, address: address, lines: lines))
        locations[key] = id
        return id
    }

    mutating func function(_ name: String) -> UInt64 {
        if let id = functions[name] { return id }
        let id = UInt64(profile.functions.count + 1)
        let index = intern(name)
        profile.functions.append(Function(id: id, name: index, systemName: index))
        functions[name] = id
        return id
    }
}
