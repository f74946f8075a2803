import BinaryFormats
import Foundation
import Pprof

/// A symbolized profile, with the base discriminators of its symbolized lines.
public struct SymbolizedProfile: Sendable {
    public var profile: Profile
    public var discriminators: LineDiscriminators
}

/// Symbolizes a profile's addresses against the exact binary: for continuous profilers that
/// send only addresses, short names or start lines that cannot be trusted. The frames come from
/// the toolchain's llvm-symbolizer, which the caller runs (`lookUp`); this part only decides
/// which addresses to ask for and rebuilds the profile from the answers.
public enum Symbolization {

    /// Replaces the lines of every location in the binary's mapping with what llvm-symbolizer
    /// reports (linkage names, start lines, inline frames innermost first), and gives the base
    /// discriminators of those lines on the side (pprof has no field for them). The mapping is
    /// chosen by the binary's ELF build ID; a profile whose mappings carry other build IDs is an
    /// error that shows both.
    ///
    /// `elf` is the binary's build ID and segments; `lookUp` answers, for ELF virtual addresses,
    /// the frames of each (innermost first), as `frames(fromSymbolizerJSON:)` reads them.
    public static func symbolize(
        _ profile: Profile, binary: String, elf: ELFFile, lookUp: (_ addresses: [UInt64]) throws -> [[Frame]]
    ) throws -> SymbolizedProfile {
        let binaryID = elf.buildID
        let withIDs = profile.mappings.filter { !profile.string($0.buildID).isEmpty }
        let mapping: Mapping
        if let binaryID, let match = profile.mappings.first(where: { profile.string($0.buildID).lowercased() == binaryID }) {
            mapping = match
        } else if !withIDs.isEmpty {
            let ids = withIDs.map { profile.string($0.buildID) }.joined(separator: ", ")
            throw SymbolizationError(description: "\(binary) has build ID \(binaryID ?? "(none)"), but the profile's mappings have \(ids)")
        } else if let first = profile.mappings.first {
            mapping = first  // no build IDs to check: the first mapping is the main binary, as in pprof
        } else {
            throw SymbolizationError(description: "the profile has no mappings, so its addresses cannot be tied to \(binary)")
        }

        let inMapping = profile.locations.filter { $0.mappingID == mapping.id }
        // pprof mappings give file offsets; llvm-symbolizer wants ELF virtual addresses.
        let addresses = elf.virtualAddresses(ofFileOffsets: inMapping.map { $0.address &- mapping.memoryStart &+ mapping.fileOffset })
        let frames = addresses.isEmpty ? [] : try lookUp(addresses)
        guard frames.count == addresses.count else {
            throw SymbolizationError(description: "the symbolizer answered \(frames.count) of \(addresses.count) addresses")
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
        let replaced = Dictionary(uniqueKeysWithValues: zip(inMapping.map(\.id), frames))
        var discriminators: LineDiscriminators = [:]
        for index in result.locations.indices {
            if let symbolized = replaced[result.locations[index].id] {
                result.locations[index].lines = symbolized.map { Line(functionID: function($0), line: Int64($0.line)) }
                let bases = symbolized.map { Int(Discriminator.base(ofEncoded: $0.discriminator)) }
                if bases.contains(where: { $0 != 0 }) { discriminators[result.locations[index].id] = bases }
            } else {
                // Locations of other mappings keep their lines, re-pointed at re-added functions.
                result.locations[index].lines = result.locations[index].lines.compactMap { line in
                    guard let old = oldFunctions[line.functionID] else { return nil }
                    let frame = Frame(name: profile.linkageName(of: old),
                                      file: profile.string(old.filename), line: Int(line.line), startLine: Int(old.startLine), discriminator: 0)
                    return Line(functionID: function(frame), line: line.line)
                }
            }
        }
        try result.validate()
        return SymbolizedProfile(profile: result, discriminators: discriminators)
    }

    /// The arguments that make llvm-symbolizer answer `addresses` of `binary` in the JSON that
    /// `frames(fromSymbolizerJSON:)` reads: linkage names, inlined frames.
    public static func symbolizerArguments(binary: String, addresses: [UInt64]) -> [String] {
        ["--output-style=JSON", "--functions=linkage", "--inlines", "--obj=\(binary)"] + addresses.map { "0x" + String($0, radix: 16) }
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
    /// Given several addresses, llvm-symbolizer answers with one JSON array, an element per address.
    public static func frames(fromSymbolizerJSON data: Data, addressCount: Int, symbolizer: String) throws -> [[Frame]] {
        let answers: [Answer]
        do { answers = try JSONDecoder().decode([Answer].self, from: data) } catch {
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
