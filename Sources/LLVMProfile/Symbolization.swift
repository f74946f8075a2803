import Foundation
import Pprof

/// Symbolizes a profile's addresses against the exact binary with the toolchain's
/// llvm-symbolizer: for continuous profilers that send only addresses, short names or start
/// lines that cannot be trusted.
/// A symbolized profile, with the base discriminators of its symbolized lines.
public struct SymbolizedProfile: Sendable {
    public var profile: Profile
    public var discriminators: LineDiscriminators
}

public enum Symbolization {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Replaces the lines of every location in the binary's mapping with what llvm-symbolizer
    /// reports (linkage names, start lines, inline frames innermost first), and gives the base
    /// discriminators of those lines on the side (pprof has no field for them). The mapping is
    /// chosen by the binary's ELF build ID; a profile whose mappings carry other build IDs is an
    /// error that shows both.
    public static func symbolize(_ profile: Profile, binary: String, symbolizer: String) throws -> SymbolizedProfile {
        // Only the build ID and the segments are needed: the symbol tables of a large binary are not read.
        let elf = try ELFFile(path: binary, readingSymbols: false)
        let binaryID = elf.buildID
        let withIDs = profile.mappings.filter { !profile.string($0.buildID).isEmpty }
        let mapping: Mapping
        if let binaryID, let match = profile.mappings.first(where: { profile.string($0.buildID).lowercased() == binaryID }) {
            mapping = match
        } else if !withIDs.isEmpty {
            let ids = withIDs.map { profile.string($0.buildID) }.joined(separator: ", ")
            throw Error(description: "\(binary) has build ID \(binaryID ?? "(none)"), but the profile's mappings have \(ids)")
        } else if let first = profile.mappings.first {
            mapping = first  // no build IDs to check: the first mapping is the main binary, as in pprof
        } else {
            throw Error(description: "the profile has no mappings, so its addresses cannot be tied to \(binary)")
        }

        let inMapping = profile.locations.filter { $0.mappingID == mapping.id }
        // pprof mappings give file offsets; llvm-symbolizer wants ELF virtual addresses.
        let addresses = elf.virtualAddresses(ofFileOffsets: inMapping.map { $0.address &- mapping.memoryStart &+ mapping.fileOffset })
        let frames = try run(symbolizer, binary: binary, addresses: addresses)

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

    /// The llvm-symbolizer next to the swiftc in use, or an error saying how to get one.
    public static func locateSymbolizer(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard let tool = Toolchain.tool("llvm-symbolizer", environment: environment) else {
            throw Error(description: "llvm-symbolizer not found next to swiftc (\(Toolchain.swiftc(environment: environment) ?? "no swiftc on PATH")); install a Swift toolchain that ships it, or set SWIFTC to one that does")
        }
        return tool
    }

    struct Frame: Decodable {
        var name: String
        var file: String
        var line: Int
        var startLine: Int
        /// As encoded in the line table (see `Discriminator`).
        var discriminator: UInt32
        enum CodingKeys: String, CodingKey {
            case name = "FunctionName", file = "FileName", line = "Line", startLine = "StartLine", discriminator = "Discriminator"
        }
        init(name: String, file: String, line: Int, startLine: Int, discriminator: UInt32) {
            (self.name, self.file, self.line, self.startLine, self.discriminator) = (name, file, line, startLine, discriminator)
        }
        init(from decoder: any Decoder) throws {
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
    static func run(_ symbolizer: String, binary: String, addresses: [UInt64]) throws -> [[Frame]] {
        guard !addresses.isEmpty else { return [] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: symbolizer)
        process.arguments = ["--output-style=JSON", "--functions=linkage", "--inlines", "--obj=\(binary)"]
            + addresses.map { "0x" + String($0, radix: 16) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Error(description: "\(symbolizer) failed with status \(process.terminationStatus)") }
        // Given several addresses it answers with one JSON array, an element per address.
        let answers: [Answer]
        do { answers = try JSONDecoder().decode([Answer].self, from: data) } catch {
            throw Error(description: "\(symbolizer) gave output that is not the expected JSON: \(error)")
        }
        guard answers.count == addresses.count else {
            throw Error(description: "\(symbolizer) answered \(answers.count) of \(addresses.count) addresses")
        }
        return answers.map { ($0.Symbol ?? []).filter { !$0.name.isEmpty && $0.name != "??" } }
    }
}
