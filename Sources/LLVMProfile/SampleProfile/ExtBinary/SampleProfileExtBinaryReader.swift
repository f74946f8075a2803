import BinaryFormats
import Pprof

extension SampleProfile {
    /// Reads LLVM's extbinary sample-profile encoding: ours, to check it before anything hands
    /// it to swiftc, and llvm-profdata's. Every read is bounds-checked; truncated or corrupt
    /// input throws an error naming the offset. Context-sensitive, probe-based and MD5-named
    /// profiles are refused rather than misread: the model cannot hold them.
    public init(extBinary bytes: [UInt8]) throws(BinaryFormatError) {
        self = try Self.readExtBinary(bytes).profile
    }

    /// The profile and the summary stored with it (nil when the file has no summary section).
    public static func readExtBinary(_ bytes: [UInt8]) throws(BinaryFormatError) -> (profile: SampleProfile, summary: SampleProfileSummary?) {
        var reader = ExtBinaryReader(file: bytes)
        return try reader.read()
    }

    /// Whether `bytes` start with the extbinary magic number.
    public static func isExtBinary(_ bytes: [UInt8]) -> Bool {
        var cursor = ByteCursor(bytes)
        return (try? cursor.readULEB128("magic")) == ExtBinaryFormat.magic
    }
}

/// One pass over an extbinary file: the section headers, then each section in header order
/// (the order llvm-profdata reads them in, which puts the name table before the profiles).
private struct ExtBinaryReader {
    let file: [UInt8]
    var names: [String]? = nil
    var profile = SampleProfile()
    var summary: SampleProfileSummary? = nil
    /// Function offset tables and profile sections, paired in order: (name index, offset).
    var offsetTables: [(file: Int, entries: [(Int, Int)])] = []
    /// Start of each function in each profile section: offset within the section → name.
    var functionStarts: [[Int: String]] = []
    /// Where each function's record starts in the file, for errors found after reading it.
    var functionOffsets: [String: Int] = [:]
    /// Deeper nesting is corrupt data, and reading it would exhaust the stack.
    static let maximumInlineDepth = 256

    init(file: [UInt8]) { self.file = file }

    mutating func read() throws(BinaryFormatError) -> (profile: SampleProfile, summary: SampleProfileSummary?) {
        var header = ByteCursor(file)
        let magic = try header.readULEB128("magic number")
        guard magic == ExtBinaryFormat.magic else {
            throw BinaryFormatError(offset: 0, problem: "not an extbinary sample profile (magic number 0x\(String(magic, radix: 16)))")
        }
        let versionOffset = header.offset
        let version = try header.readULEB128("version")
        guard version == ExtBinaryFormat.version else {
            throw BinaryFormatError(offset: versionOffset, problem: "unsupported extbinary version \(version) (expected \(ExtBinaryFormat.version))")
        }
        let count = try header.readLittleEndian64("section count")
        guard count <= UInt64(header.remaining / ExtBinaryFormat.headerEntrySize) else {
            throw header.error("\(count) section headers do not fit in the \(header.remaining) bytes left")
        }
        var sections: [(type: UInt64, flags: UInt64, offset: Int, size: Int, header: Int)] = []
        for _ in 0..<Int(count) {
            let entryOffset = header.offset
            let type = try header.readLittleEndian64("section type")
            let flags = try header.readLittleEndian64("section flags")
            let offset = try header.readLittleEndian64("section offset")
            let size = try header.readLittleEndian64("section size")
            guard offset <= UInt64(file.count), size <= UInt64(file.count) - offset else {
                throw BinaryFormatError(offset: entryOffset, problem: "section of type \(type) at offset \(offset) with size \(size) lies outside the \(file.count)-byte file")
            }
            sections.append((type, flags, Int(offset), Int(size), entryOffset))
        }
        for section in sections {
            var cursor = try contents(of: section)
            try readSection(type: section.type, flags: section.flags, &cursor, header: section.header)
        }
        try checkOffsetTables()
        for (name, function) in profile.functions where function.checkedTotalSamples == nil {
            throw BinaryFormatError(offset: functionOffsets[name] ?? 0, problem: "the sample counts of \(name) add up to more than 64 bits")
        }
        return (profile, summary)
    }

    /// A cursor over a section's bytes, inflated first when the section is compressed.
    func contents(of section: (type: UInt64, flags: UInt64, offset: Int, size: Int, header: Int)) throws(BinaryFormatError) -> ByteCursor {
        let cursor = ByteCursor(file, from: section.offset, to: section.offset + section.size)
        // llvm-profdata writes an empty compressed section as no bytes at all.
        guard section.flags & ExtBinaryFormat.compressedFlag != 0, section.size > 0 else { return cursor }
        var framing = cursor
        let inflatedSize = try framing.readULEB128("uncompressed size", atMost: UInt64(Int32.max))
        let compressedSize = try framing.readULEB128("compressed size", atMost: UInt64(Int32.max))
        let compressed = Array(try framing.readBytes(compressedSize, "compressed section data"))
        let inflated: [UInt8]
        do {
            inflated = try compressed.withUnsafeBytes { buffer throws(GzipError) in try Gzip.decompress(buffer, limit: inflatedSize) }
        } catch {
            throw BinaryFormatError(offset: section.offset, problem: "compressed section of type \(section.type): \(error)")
        }
        guard inflated.count == inflatedSize else {
            throw BinaryFormatError(offset: section.offset, problem: "compressed section of type \(section.type) inflates to \(inflated.count) bytes, not the \(inflatedSize) it claims")
        }
        // Offsets inside an inflated section are reported from the section's start.
        return ByteCursor(inflated, origin: section.offset)
    }

    mutating func readSection(type: UInt64, flags: UInt64, _ cursor: inout ByteCursor, header: Int) throws(BinaryFormatError) {
        switch ExtBinaryFormat.Section(rawValue: type) {
        case .summary:
            guard flags & ExtBinaryFormat.fullContextFlag == 0 else {
                throw BinaryFormatError(offset: header, problem: "context-sensitive (CSSPGO) profiles are not supported")
            }
            summary = try readSummary(&cursor)
        case .nameTable:
            guard flags & ExtBinaryFormat.md5NamesFlag == 0 else {
                throw BinaryFormatError(offset: header, problem: "the name table holds MD5 hashes, not function names; write the profile without --use-md5")
            }
            let count = try cursor.readULEB128("name count", atMost: UInt64(cursor.remaining))
            var table: [String] = []
            for position in 0..<count { table.append(try cursor.readCString("name \(position)")) }
            names = table
        case .contextNameTable:
            let count = try cursor.readULEB128("context count")
            guard count == 0 else { throw cursor.error("context-sensitive (CSSPGO) profiles are not supported (\(count) contexts)") }
        case .functionOffsetTable:
            let count = try cursor.readULEB128("function offset count", atMost: UInt64(cursor.remaining / 2))
            var entries: [(Int, Int)] = []
            for _ in 0..<count {
                let name = try cursor.readULEB128("function name index", atMost: UInt64(Int32.max))
                let offset = try cursor.readULEB128("function offset", atMost: UInt64(Int32.max))
                entries.append((name, offset))
            }
            offsetTables.append((cursor.offset, entries))
        case .lbrProfile:
            try readFunctions(&cursor)
        case .functionMetadata:
            guard flags & ExtBinaryFormat.probeBasedFlag == 0 else {
                throw BinaryFormatError(offset: header, problem: "probe-based (pseudo-probe) profiles are not supported")
            }
        case .profileSymbolList:
            break  // names of functions without samples: nothing the model holds
        case nil where type >= ExtBinaryFormat.Section.lbrProfile.rawValue:
            throw BinaryFormatError(offset: header, problem: "unsupported function profile section type \(type)")
        case nil:
            break  // an unknown auxiliary section, which llvm-profdata skips as well
        }
        if let known = ExtBinaryFormat.Section(rawValue: type), known != .profileSymbolList, known != .functionMetadata, !cursor.isAtEnd {
            throw cursor.error("\(cursor.remaining) unexpected bytes at the end of the \(known.name)")
        }
    }

    func readSummary(_ cursor: inout ByteCursor) throws(BinaryFormatError) -> SampleProfileSummary {
        var summary = SampleProfileSummary()
        summary.totalCount = try cursor.readULEB128("total count")
        summary.maxCount = try cursor.readULEB128("maximum count")
        summary.maxFunctionCount = try cursor.readULEB128("maximum function count")
        summary.numCounts = try cursor.readULEB128("number of counts")
        summary.numFunctions = try cursor.readULEB128("number of functions")
        let entries = try cursor.readULEB128("number of summary entries", atMost: UInt64(cursor.remaining / 3))
        for _ in 0..<entries {
            let cutoff = try cursor.readULEB128("summary cutoff")
            let minCount = try cursor.readULEB128("summary minimum count")
            let numCounts = try cursor.readULEB128("summary number of counts")
            summary.detailed.append(.init(cutoff: cutoff, minCount: minCount, numCounts: numCounts))
        }
        return summary
    }

    mutating func readFunctions(_ cursor: inout ByteCursor) throws(BinaryFormatError) {
        guard let names else { throw cursor.error("function profiles come before any name table") }
        let sectionStart = cursor.position
        var starts: [Int: String] = [:]
        while !cursor.isAtEnd {
            let start = cursor.position
            let fileOffset = cursor.offset
            let head = try cursor.readULEB128("head samples")
            var (name, function) = try readBody(&cursor, names: names, depth: 0)
            guard profile.functions[name] == nil else {
                throw BinaryFormatError(offset: fileOffset, problem: "the function \(name) has two profiles")
            }
            function.headSamples = head
            profile.functions[name] = function
            starts[start - sectionStart] = name
            functionOffsets[name] = fileOffset
        }
        functionStarts.append(starts)
    }

    func readLocation(_ cursor: inout ByteCursor) throws(BinaryFormatError) -> LineLocation {
        let offset = try cursor.readULEB128("line offset", atMost: UInt64(LineLocation.maximumOffset))
        let discriminator = try cursor.readULEB128("discriminator", atMost: UInt64(LineLocation.maximumDiscriminator))
        return LineLocation(offset: offset, discriminator: discriminator)
    }

    func readName(_ cursor: inout ByteCursor, names: [String], _ what: String) throws(BinaryFormatError) -> String {
        let start = cursor.position
        let index = try cursor.readULEB128(what)
        guard index < UInt64(names.count) else {
            let problem = "\(what) \(index) is outside the name table of \(names.count) names"
            cursor = ByteCursor(cursor.bytes, from: start, to: cursor.end, origin: cursor.origin)
            throw cursor.error(problem)
        }
        return names[Int(index)]
    }

    /// A function's name, total (not kept: the model derives it), body samples with call
    /// targets, and inlined callsites, recursively.
    func readBody(_ cursor: inout ByteCursor, names: [String], depth: Int) throws(BinaryFormatError) -> (String, FunctionSamples) {
        guard depth <= Self.maximumInlineDepth else { throw cursor.error("inlinees nested deeper than \(Self.maximumInlineDepth) levels") }
        let name = try readName(&cursor, names: names, "function name index")
        var function = FunctionSamples(name: name)
        _ = try cursor.readULEB128("total samples")
        let bodyCount = try cursor.readULEB128("number of sampled lines")
        for _ in 0..<bodyCount {
            let recordOffset = cursor.offset
            let location = try readLocation(&cursor)
            guard function.bodySamples[location] == nil else {
                throw BinaryFormatError(offset: recordOffset, problem: "\(name) has two records for line \(location.text)")
            }
            function.bodySamples[location] = try cursor.readULEB128("sample count")
            let targetCount = try cursor.readULEB128("number of call targets")
            for _ in 0..<targetCount {
                let targetOffset = cursor.offset
                let callee = try readName(&cursor, names: names, "call target name index")
                let calls = try cursor.readULEB128("call count")
                guard function.callTargets[location]?[callee] == nil else {
                    throw BinaryFormatError(offset: targetOffset, problem: "\(name) line \(location.text) lists the call target \(callee) twice")
                }
                function.callTargets[location, default: [:]][callee] = calls
            }
        }
        let callsiteCount = try cursor.readULEB128("number of inlined callsites")
        for _ in 0..<callsiteCount {
            let callsiteOffset = cursor.offset
            let location = try readLocation(&cursor)
            let (callee, inlinee) = try readBody(&cursor, names: names, depth: depth + 1)
            guard function.inlinees[location]?[callee] == nil else {
                throw BinaryFormatError(offset: callsiteOffset, problem: "\(name) line \(location.text) inlines \(callee) twice")
            }
            function.inlinees[location, default: [:]][callee] = inlinee
        }
        return (name, function)
    }

    /// Each offset table must point at the start of the named function's profile in the
    /// profile section it indexes (the i-th table indexes the i-th profile section).
    func checkOffsetTables() throws(BinaryFormatError) {
        for (table, (tableOffset, entries)) in offsetTables.enumerated() {
            let starts = table < functionStarts.count ? functionStarts[table] : [:]
            for (nameIndex, offset) in entries {
                guard let names, nameIndex < names.count else {
                    throw BinaryFormatError(offset: tableOffset, problem: "function offset table: name index \(nameIndex) is outside the name table")
                }
                guard starts[offset] == names[nameIndex] else {
                    throw BinaryFormatError(offset: tableOffset, problem: "function offset table: \(names[nameIndex]) is said to start at offset \(offset) of its profile section, where no profile of it starts")
                }
            }
        }
    }
}

