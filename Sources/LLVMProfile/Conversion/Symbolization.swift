import BinaryFormats
import Foundation
import Pprof

/// A symbolized profile, with the base discriminators of its symbolized lines.
public struct SymbolizedProfile: Sendable {
    public var profile: Profile
    public var discriminators: LineDiscriminators
    /// Locations of the binaries symbolized that the symbolizer knew nothing about.
    public var unresolved: Set<UInt64> = []
}

/// Symbolizes a profile's addresses against the symbol files of the binaries they were sampled
/// in: for continuous profilers that send only addresses, short names or start lines that
/// cannot be trusted. A window spans releases, so each binary (by build ID) is symbolized
/// against its own file; the symbolized locations then merge by what stays stable from one
/// build to the next, linkage names and line offsets. The frames come from the toolchain's
/// llvm-symbolizer, which the caller runs (`lookUp`); this part only decides which addresses to
/// ask for and rebuilds the profile from the answers.
public enum Symbolization {

    /// One binary among a profile's mappings, with the samples whose leaf frame is in it.
    public struct Binary: Sendable, Equatable {
        public var identity: BinaryIdentity
        /// The mappings' file names (as the profiler saw them).
        public var files: [String]
        /// An executable that was profiled (a profile's main mapping, or a binary named by the
        /// caller), as opposed to a shared library the build does not compile.
        public var isProfiled: Bool
        /// Samples (the first sample value) whose leaf frame is in this binary.
        public var samples: Int64
        /// Of those, samples whose leaf frame is not symbolized (`isUnsymbolized`).
        public var samplesWithoutLines: Int64
    }

    /// A location no source line is known for: what needs a symbol file.
    public static func hasNoLine(_ location: Location, in binary: BinaryIdentity) -> Bool { !location.lines.contains { $0.line > 0 } }

    /// The binaries of `profile`'s mappings, profiled executables first, each with its samples.
    /// `profiled` names the executables (`ProfileMerger.mainBinaries`, the binaries given).
    public static func binaries(
        in profile: Profile, profiled: Set<BinaryIdentity>, isUnsymbolized: (Location, BinaryIdentity) -> Bool = hasNoLine
    ) -> [Binary] {
        var byIdentity: [BinaryIdentity: Binary] = [:]
        var identityOfMapping: [UInt64: BinaryIdentity] = [:]
        for mapping in profile.mappings {
            let identity = profile.binaryIdentity(of: mapping)
            identityOfMapping[mapping.id] = identity
            byIdentity[identity, default: Binary(identity: identity, files: [], isProfiled: profiled.contains(identity), samples: 0, samplesWithoutLines: 0)]
                .files.append(profile.string(mapping.filename))
        }
        let locations = Dictionary(profile.locations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for sample in profile.samples {
            guard let leaf = sample.locationIDs.first.flatMap({ locations[$0] }), let identity = identityOfMapping[leaf.mappingID] else { continue }
            let value = sample.values.first ?? 0
            byIdentity[identity]!.samples += value
            if isUnsymbolized(leaf, identity) { byIdentity[identity]!.samplesWithoutLines += value }
        }
        return byIdentity.values.sorted { ($0.isProfiled ? 0 : 1, $0.identity) < ($1.isProfiled ? 0 : 1, $1.identity) }
    }

    /// Replaces the lines of every location in the mappings of the binaries in `files` with what
    /// llvm-symbolizer reports for that binary's file (linkage names, start lines, inline frames
    /// innermost first), and gives the base discriminators of those lines on the side (pprof has
    /// no field for them). Locations of other binaries keep their lines.
    ///
    /// `files` gives each binary's ELF segments (of its symbol file: the binary, or a debug-only
    /// file); `lookUp` answers, for one binary and its ELF virtual addresses, the frames of each
    /// (innermost first), as `frames(fromSymbolizerJSON:)` reads them. It is called once per
    /// binary, with every address of that binary.
    public static func symbolize(
        _ profile: Profile, files: [BinaryIdentity: ELFFile],
        lookUp: (_ binary: BinaryIdentity, _ addresses: [UInt64]) throws -> [[Frame]]
    ) throws -> SymbolizedProfile {
        let mappings = Dictionary(profile.mappings.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let identities = mappings.mapValues(profile.binaryIdentity(of:))
        let locationsOfBinary = Dictionary(grouping: profile.locations.filter { identities[$0.mappingID].map { files[$0] != nil } ?? false }) {
            identities[$0.mappingID]!
        }
        var replaced: [UInt64: [Frame]] = [:]
        for (identity, elf) in files.sorted(by: { $0.key < $1.key }) {
            let inBinary = locationsOfBinary[identity] ?? []
            // pprof addresses are in the process; llvm-symbolizer wants the ELF's virtual addresses.
            let addresses = inBinary.map { location in
                let mapping = mappings[location.mappingID]!
                return elf.virtualAddress(of: location.address, memoryStart: mapping.memoryStart, fileOffset: mapping.fileOffset)
            }
            guard !addresses.isEmpty else { continue }
            let unique = Array(Set(addresses)).sorted()
            let frames = try lookUp(identity, unique)
            guard frames.count == unique.count else {
                throw SymbolizationError(description: "the symbolizer answered \(frames.count) of \(unique.count) addresses of \(identity)")
            }
            let framesOfAddress = Dictionary(uniqueKeysWithValues: zip(unique, frames))
            for (location, address) in zip(inBinary, addresses) { replaced[location.id] = framesOfAddress[address]! }
        }

        var result = profile
        var functionIDs: [String: UInt64] = [:]
        var stringIndex = Dictionary(profile.stringTable.enumerated().map { ($1, Int64($0)) }, uniquingKeysWith: { first, _ in first })
        func intern(_ string: String) -> Int64 {
            if let index = stringIndex[string] { return index }
            result.stringTable.append(string)
            stringIndex[string] = Int64(result.stringTable.count - 1)
            return Int64(result.stringTable.count - 1)
        }
        func function(_ frame: Frame) -> UInt64 {
            let key = "\(frame.name)\u{0}\(frame.file)\u{0}\(frame.startLine)"
            if let id = functionIDs[key] { return id }
            let id = UInt64(result.functions.count + 1)
            let name = intern(frame.name)
            result.functions.append(Function(id: id, name: name, systemName: name, filename: intern(frame.file), startLine: Int64(frame.startLine)))
            functionIDs[key] = id
            return id
        }
        // Renumber functions from scratch: the old ones may be wrong, and only the new are used.
        let oldFunctions = Dictionary(result.functions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        result.functions = []
        var discriminators: LineDiscriminators = [:]
        var unresolved: Set<UInt64> = []
        for index in result.locations.indices {
            if let symbolized = replaced[result.locations[index].id] {
                if symbolized.isEmpty { unresolved.insert(result.locations[index].id) }
                result.locations[index].lines = symbolized.map { Line(functionID: function($0), line: Int64($0.line)) }
                let bases = symbolized.map { Int(Discriminator.base(ofEncoded: $0.discriminator)) }
                if bases.contains(where: { $0 != 0 }) { discriminators[result.locations[index].id] = bases }
            } else {
                // Locations of other binaries keep their lines, re-pointed at re-added functions.
                result.locations[index].lines = result.locations[index].lines.compactMap { line in
                    guard let old = oldFunctions[line.functionID] else { return nil }
                    let frame = Frame(name: profile.linkageName(of: old),
                                      file: profile.string(old.filename), line: Int(line.line), startLine: Int(old.startLine), discriminator: 0)
                    return Line(functionID: function(frame), line: line.line)
                }
            }
        }
        try result.validate()
        return SymbolizedProfile(profile: result, discriminators: discriminators, unresolved: unresolved)
    }

    /// The one binary of `profile` that a symbol file with `buildID` (nil: none) is for: the
    /// mapping with that build ID, or, when no mapping has a build ID, the main one (as pprof
    /// takes it). A profile whose mappings carry only other build IDs is an error showing both.
    public static func binary(in profile: Profile, forFile file: String, buildID: String?) throws -> BinaryIdentity {
        let withIDs = profile.mappings.filter { !profile.string($0.buildID).isEmpty }
        if let buildID, withIDs.contains(where: { profile.string($0.buildID).lowercased() == buildID }) { return .buildID(buildID) }
        if !withIDs.isEmpty {
            let ids = Array(Set(withIDs.map { profile.string($0.buildID) })).sorted().joined(separator: ", ")
            throw SymbolizationError(description: "\(file) has build ID \(buildID ?? "(none)"), but the profile's mappings have \(ids)")
        }
        guard let main = profile.mainBinary else {
            throw SymbolizationError(description: "the profile has no mappings, so its addresses cannot be tied to \(file)")
        }
        return main
    }

    /// The share of samples whose leaf frames are in Go source files: a Go service's profile,
    /// whose functions swiftc and clang never compile.
    public static func goShare(of profile: Profile) -> Double {
        let locations = Dictionary(profile.locations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let functions = Dictionary(profile.functions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var total: Int64 = 0, inGo: Int64 = 0
        for sample in profile.samples {
            let value = sample.values.first ?? 0
            total += value
            if let line = sample.locationIDs.first.flatMap({ locations[$0] })?.lines.first, let function = functions[line.functionID],
               profile.string(function.filename).hasSuffix(".go") {
                inGo += value
            }
        }
        return total > 0 ? Double(inGo) / Double(total) : 0
    }

    /// The arguments that make llvm-symbolizer answer addresses of `binary` in the JSON that
    /// `frames(fromSymbolizerJSON:)` reads: linkage names, inlined frames. The addresses go on
    /// standard input (`symbolizerInput`), so that no number of them can overflow a command line.
    public static func symbolizerArguments(binary: String) -> [String] {
        ["--output-style=JSON", "--functions=linkage", "--inlines", "--obj=\(binary)"]
    }

    /// Standard input for llvm-symbolizer: one address per line.
    public static func symbolizerInput(_ addresses: [UInt64]) -> [UInt8] {
        Array(addresses.map { "0x" + String($0, radix: 16) + "\n" }.joined().utf8)
    }

    /// One source frame of an address, as llvm-symbolizer reports it.
    public struct Frame: Decodable, Sendable {
        public var name: String
        public var file: String
        public var line: Int
        public var startLine: Int
        /// As encoded in the line table (see `Discriminator`).
        public var discriminator: UInt32
        enum CodingKeys: String, CodingKey {
            case name = "FunctionName", file = "FileName", line = "Line", startLine = "StartLine", discriminator = "Discriminator"
        }
        public init(name: String, file: String, line: Int, startLine: Int, discriminator: UInt32) {
            (self.name, self.file, self.line, self.startLine, self.discriminator) = (name, file, line, startLine, discriminator)
        }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            file = try container.decode(String.self, forKey: .file)
            line = try container.decode(Int.self, forKey: .line)
            startLine = try container.decode(Int.self, forKey: .startLine)
            discriminator = try container.decodeIfPresent(UInt32.self, forKey: .discriminator) ?? 0
        }
    }

    private struct Answer: Decodable {
        var Symbol: [Frame]?
    }

    /// One frame list per address, innermost first; empty where the symbolizer knows nothing.
    /// llvm-symbolizer answers addresses read from standard input with a JSON object per line
    /// (and addresses given as arguments with one JSON array); both are read.
    public static func frames(fromSymbolizerJSON data: Data, addressCount: Int, symbolizer: String) throws -> [[Frame]] {
        let answers: [Answer]
        let decoder = JSONDecoder()
        do {
            if data.first(where: { $0 != 0x20 && $0 != 0x0a }) == UInt8(ascii: "[") {
                answers = try decoder.decode([Answer].self, from: data)
            } else {
                answers = try data.split(separator: 0x0a).map { try decoder.decode(Answer.self, from: Data($0)) }
            }
        } catch {
            throw SymbolizationError(description: "\(symbolizer) gave output that is not the expected JSON: \(error)")
        }
        guard answers.count == addressCount else {
            throw SymbolizationError(description: "\(symbolizer) answered \(answers.count) of \(addressCount) addresses")
        }
        return answers.map { ($0.Symbol ?? []).filter { !$0.name.isEmpty && $0.name != "??" } }
    }
}

/// A profile that cannot be symbolized against a binary: wrong build ID, no mappings, a
/// symbolizer that failed.
public struct SymbolizationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
