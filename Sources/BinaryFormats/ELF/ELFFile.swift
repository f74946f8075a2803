import Foundation

/// The parts of a 64-bit little-endian ELF file that tie profile addresses to a binary: its GNU
/// build ID, its loadable segments (to turn file offsets into the virtual addresses that
/// llvm-symbolizer expects) and its symbols (to place `symbol+offset` frames from perf).
/// Every read is bounds-checked: a truncated or hostile file is an error, never a trap.
public struct ELFFile: Sendable {

    /// A PT_LOAD program header: file bytes [offset, offset + fileSize) appear at virtual
    /// addresses [virtualAddress, virtualAddress + memorySize).
    public struct Segment: Equatable, Sendable {
        public var offset: UInt64
        public var virtualAddress: UInt64
        public var fileSize: UInt64
        public var memorySize: UInt64
        public var isExecutable: Bool

        public init(offset: UInt64, virtualAddress: UInt64, fileSize: UInt64, memorySize: UInt64, isExecutable: Bool) {
            (self.offset, self.virtualAddress, self.fileSize, self.memorySize, self.isExecutable) =
                (offset, virtualAddress, fileSize, memorySize, isExecutable)
        }
    }

    /// A defined symbol from .symtab or .dynsym.
    public struct Symbol: Equatable, Sendable {
        public var name: String
        public var value: UInt64
        public var size: UInt64

        public init(name: String, value: UInt64, size: UInt64) {
            (self.name, self.value, self.size) = (name, value, size)
        }
    }

    public var path: String
    /// Lowercase hex, or nil when the file has no NT_GNU_BUILD_ID note.
    public var buildID: String?
    public var segments: [Segment]
    /// Defined function-like symbols (FUNC, IFUNC, NOTYPE) by name; local symbols may repeat a name.
    public var symbols: [String: [Symbol]]
    /// The names of the sections that hold data in the file (not SHT_NOBITS).
    public var sectionNames: Set<String> = []

    /// Whether the file carries DWARF line tables (`.debug_line` with data), without which
    /// addresses cannot be turned into source lines: a binary built without `-g`, or stripped.
    public var hasLineTables: Bool { sectionNames.contains(".debug_line") || sectionNames.contains(".zdebug_line") }

    /// An ELF description from its parts, for tests.
    public init(path: String, buildID: String?, segments: [Segment], symbols: [Symbol]) {
        self.path = path
        self.buildID = buildID
        self.segments = segments
        self.symbols = Dictionary(grouping: symbols, by: \.name)
    }

    /// Parses the bytes of the file at `path` (the name is for messages); `readingSymbols: false`
    /// skips the symbol tables, for callers that need only the build ID and segments of a large
    /// library. (`PGOSystem` maps files and calls this.)
    public init(bytes data: Data, path: String, readingSymbols: Bool = true) throws(ELFError) {
        let reader = ByteReader(data: data, path: path)
        guard data.count >= 64, try reader.bytes(0, 4) == [0x7f, 0x45, 0x4c, 0x46] else {
            throw ELFError(description: "\(path): not an ELF file")
        }
        guard try reader.u8(4) == 2, try reader.u8(5) == 1 else {
            throw ELFError(description: "\(path): only 64-bit little-endian ELF is supported")
        }
        self.path = path

        // Program headers: the loadable segments.
        let programTable = try reader.u64(0x20), programEntrySize = UInt64(try reader.u16(0x36)), programCount = try reader.u16(0x38)
        var segments: [Segment] = []
        if programCount > 0 {
            guard programEntrySize >= 56 else { throw ELFError(description: "\(path): program header entries of \(programEntrySize) bytes are too small") }
            for index in 0..<UInt64(programCount) {
                let header = try reader.offset(programTable, plus: index, times: programEntrySize)
                guard try reader.u32(header) == 1 else { continue }  // PT_LOAD
                segments.append(Segment(
                    offset: try reader.u64(header + 8), virtualAddress: try reader.u64(header + 16),
                    fileSize: try reader.u64(header + 32), memorySize: try reader.u64(header + 40),
                    isExecutable: try reader.u32(header + 4) & 1 != 0))  // PF_X
            }
        }
        self.segments = segments

        // Section headers: build ID notes and symbol tables.
        let sectionTable = try reader.u64(0x28), sectionEntrySize = UInt64(try reader.u16(0x3a)), sectionCount = try reader.u16(0x3c)
        struct Section { var name: UInt32; var type: UInt32; var offset: UInt64; var size: UInt64; var link: UInt32; var entrySize: UInt64 }
        var sections: [Section] = []
        if sectionCount > 0 {
            guard sectionEntrySize >= 64 else { throw ELFError(description: "\(path): section header entries of \(sectionEntrySize) bytes are too small") }
            for index in 0..<UInt64(sectionCount) {
                let header = try reader.offset(sectionTable, plus: index, times: sectionEntrySize)
                sections.append(Section(
                    name: try reader.u32(header), type: try reader.u32(header + 4), offset: try reader.u64(header + 0x18), size: try reader.u64(header + 0x20),
                    link: try reader.u32(header + 0x28), entrySize: try reader.u64(header + 0x38)))
            }
        }
        let namesIndex = Int(try reader.u16(0x3e))
        if namesIndex < sections.count {
            let names = sections[namesIndex]
            let (namesEnd, overflow) = names.offset.addingReportingOverflow(names.size)
            for section in sections where section.type != 8 && section.size > 0 {  // not SHT_NOBITS
                guard !overflow, UInt64(section.name) < names.size else { continue }
                sectionNames.insert(try reader.cString(names.offset + UInt64(section.name), limit: namesEnd))
            }
        }
        var buildID: String? = nil
        for section in sections where section.type == 7 && buildID == nil {  // SHT_NOTE
            buildID = try Self.buildID(inNotes: section.offset, size: section.size, reader: reader)
        }
        self.buildID = buildID

        var symbols: [String: [Symbol]] = [:]
        for section in sections where readingSymbols && (section.type == 2 || section.type == 11) {  // SHT_SYMTAB, SHT_DYNSYM
            guard Int(section.link) < sections.count else { throw ELFError(description: "\(path): a symbol table links to a missing string table") }
            let strings = sections[Int(section.link)]
            let entrySize = section.entrySize == 0 ? 24 : section.entrySize
            guard entrySize >= 24 else { throw ELFError(description: "\(path): symbol entries of \(entrySize) bytes are too small") }
            for index in 0..<(section.size / entrySize) {
                let entry = try reader.offset(section.offset, plus: index, times: entrySize)
                let kind = try reader.u8(entry + 4) & 0xf, sectionIndex = try reader.u16(entry + 6)
                guard sectionIndex != 0, kind == 2 || kind == 10 || kind == 0 else { continue }  // defined FUNC, IFUNC, NOTYPE
                let nameOffset = UInt64(try reader.u32(entry))
                guard nameOffset < strings.size else { continue }
                let name = try reader.cString(strings.offset + nameOffset, limit: strings.offset + strings.size)
                guard !name.isEmpty else { continue }
                let symbol = Symbol(name: name, value: try reader.u64(entry + 8), size: try reader.u64(entry + 16))
                if !(symbols[name]?.contains(symbol) ?? false) { symbols[name, default: []].append(symbol) }
            }
        }
        self.symbols = symbols
    }

    /// The virtual address of a file offset, through the PT_LOAD segment that holds it (what
    /// pprof's elfexec.GetBase does): the two differ whenever a segment's p_vaddr != p_offset,
    /// as with lld. An offset outside every segment is returned unchanged.
    public func virtualAddress(ofFileOffset offset: UInt64) -> UInt64 {
        guard let segment = segments.first(where: { offset >= $0.offset && offset - $0.offset < $0.fileSize }) else { return offset }
        return offset - segment.offset + segment.virtualAddress
    }

    /// The virtual address of `address`, sampled in a process mapping (`memoryStart`,
    /// `fileOffset`) of this binary: through the file offset, where a segment of this file holds
    /// it. A debug-only file (`llvm-objcopy --only-keep-debug`) keeps the segments' addresses but
    /// not their file contents or offsets, so there an address is placed through the executable
    /// segment's address instead: a mapping of code starts at that segment's first page.
    public func virtualAddress(of address: UInt64, memoryStart: UInt64, fileOffset: UInt64, pageSize: UInt64 = 4096) -> UInt64 {
        let offset = address &- memoryStart &+ fileOffset
        if let segment = segments.first(where: { $0.fileSize > 0 && offset >= $0.offset && offset - $0.offset < $0.fileSize }) {
            return offset - segment.offset + segment.virtualAddress
        }
        guard let code = soleExecutableSegment else { return offset }
        return address &- memoryStart &+ code.virtualAddress / pageSize * pageSize
    }

    /// The executable segment, when there is exactly one.
    private var soleExecutableSegment: Segment? {
        var found: Segment? = nil
        for segment in segments where segment.isExecutable {
            guard found == nil else { return nil }
            found = segment
        }
        return found
    }

    /// The executable segment that holds a virtual address, if any.
    public func executableSegment(containing address: UInt64) -> Segment? {
        segments.first { $0.isExecutable && address >= $0.virtualAddress && address - $0.virtualAddress < $0.memorySize }
    }

    private static func buildID(inNotes start: UInt64, size: UInt64, reader: ByteReader) throws(ELFError) -> String? {
        var offset = start
        let (sum, overflow) = start.addingReportingOverflow(size)
        let end = min(overflow ? UInt64.max : sum, UInt64(reader.data.count))
        while offset + 12 <= end {
            let nameSize = UInt64(try reader.u32(offset)), descSize = UInt64(try reader.u32(offset + 4)), type = try reader.u32(offset + 8)
            let name = offset + 12
            let desc = name + (nameSize + 3) & ~3
            guard nameSize < size, descSize < size, desc + descSize <= end else { return nil }
            if type == 3, nameSize == 4, try reader.bytes(name, 4) == [0x47, 0x4e, 0x55, 0] {  // NT_GNU_BUILD_ID, "GNU\0"
                return hexString(try reader.bytes(desc, Int(descSize)))
            }
            offset = desc + (descSize + 3) & ~3
        }
        return nil
    }
}

/// Little-endian reads at file offsets that fail with the file's name instead of trapping.
private struct ByteReader {
    var data: Data
    var path: String

    func check(_ offset: UInt64, _ count: Int) throws(ELFError) -> Int {
        guard offset <= UInt64(data.count), UInt64(count) <= UInt64(data.count) - offset else {
            throw ELFError(description: "\(path): truncated ELF file (needs \(count) bytes at offset \(offset), file has \(data.count))")
        }
        return data.startIndex + Int(offset)
    }

    /// `base + index * stride`, or an error when that overflows.
    func offset(_ base: UInt64, plus index: UInt64, times stride: UInt64) throws(ELFError) -> UInt64 {
        let (product, o1) = index.multipliedReportingOverflow(by: stride)
        let (sum, o2) = base.addingReportingOverflow(product)
        guard !o1, !o2 else { throw ELFError(description: "\(path): a table offset in the ELF header is out of range") }
        return sum
    }

    func u8(_ offset: UInt64) throws(ELFError) -> UInt8 { data[try check(offset, 1)] }

    func bytes(_ offset: UInt64, _ count: Int) throws(ELFError) -> [UInt8] {
        let start = try check(offset, count)
        return [UInt8](data[start..<start + count])
    }

    func u16(_ offset: UInt64) throws(ELFError) -> UInt16 { LittleEndian.read(data, at: try check(offset, 2))! }

    func u32(_ offset: UInt64) throws(ELFError) -> UInt32 { LittleEndian.read(data, at: try check(offset, 4))! }

    func u64(_ offset: UInt64) throws(ELFError) -> UInt64 { LittleEndian.read(data, at: try check(offset, 8))! }

    /// A NUL-terminated string that must end before `limit`.
    func cString(_ offset: UInt64, limit: UInt64) throws(ELFError) -> String {
        let start = try check(offset, 0)
        let end = try check(min(limit, UInt64(data.count)), 0)
        guard start <= end else { return "" }
        let terminator = data[start..<end].firstIndex(of: 0) ?? end
        return String(decoding: data[start..<terminator], as: UTF8.self)
    }
}

/// An ELF file that cannot be used: it names the file and what is wrong.
public struct ELFError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
