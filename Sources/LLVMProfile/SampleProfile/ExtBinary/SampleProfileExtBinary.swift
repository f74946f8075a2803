import BinaryFormats

/// The constants of LLVM's extensible binary sample-profile format (SPF_Ext_Binary), as the
/// toolchain's llvm-profdata 21 reads and writes it: a magic number and version, a table of
/// section headers (type, flags, offset, size as little-endian 64-bit words), then the sections.
enum ExtBinaryFormat {
    /// "SPROF42" followed by the format byte 4 (SPF_Ext_Binary), written as ULEB128.
    static let magic: UInt64 = [0x53, 0x50, 0x52, 0x4F, 0x46, 0x34, 0x32].reduce(0) { $0 << 8 | $1 } << 8 | 4
    static let version: UInt64 = 103

    enum Section: UInt64 {
        case summary = 1
        case nameTable = 2
        case profileSymbolList = 3
        case functionOffsetTable = 4
        case functionMetadata = 5
        case contextNameTable = 6
        /// Function profiles with body samples, call targets and inlinees.
        case lbrProfile = 32

        var name: String {
            switch self {
            case .summary: "profile summary"
            case .nameTable: "name table"
            case .profileSymbolList: "profile symbol list"
            case .functionOffsetTable: "function offset table"
            case .functionMetadata: "function metadata"
            case .contextNameTable: "context name table"
            case .lbrProfile: "function profile section"
            }
        }
    }

    /// The header order llvm-profdata uses (and reads sections in); the offset table comes
    /// before the profiles it indexes although it is written after them.
    static let layout: [Section] = [.summary, .nameTable, .contextNameTable, .functionOffsetTable, .lbrProfile, .profileSymbolList, .functionMetadata]
    static let headerEntrySize = 32

    // Flags: common ones in the low 32 bits, section-specific ones in the high 32 bits.
    static let compressedFlag: UInt64 = 1
    static let md5NamesFlag: UInt64 = 1 << 32
    static let fullContextFlag: UInt64 = 2 << 32
    static let probeBasedFlag: UInt64 = 1 << 32
}

extension SampleProfile {
    /// The profile in LLVM's extbinary encoding, with the profile summary computed as
    /// llvm-profdata computes it. What is written is `canonical()`: functions and inlinees
    /// without samples are left out, as the text format leaves them out.
    /// Throws for what the format cannot hold: negative or over-32-bit line offsets and
    /// discriminators, names containing NUL, totals beyond 64 bits.
    public func extBinaryFormat() throws(SampleProfileValidationError) -> [UInt8] {
        let profile = try canonical()
        let names = profile.allNames().sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var index: [String: Int] = [:]
        var nameTable: [UInt8] = []
        nameTable.appendULEB128(names.count)
        for (position, name) in names.enumerated() {
            guard !name.utf8.contains(0) else {
                throw SampleProfileValidationError(description: "the function name \(name.debugDescription) contains a NUL byte")
            }
            index[name] = position
            nameTable.append(contentsOf: name.utf8)
            nameTable.append(0)
        }

        var profiles: [UInt8] = []
        var offsets: [UInt8] = []
        let ordered = profile.functions.sorted { a, b in
            let (ta, tb) = (a.value.totalSamples, b.value.totalSamples)
            return ta != tb ? ta > tb : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        offsets.appendULEB128(ordered.count)
        for (name, function) in ordered {
            offsets.appendULEB128(index[name] ?? 0)
            offsets.appendULEB128(profiles.count)
            profiles.appendULEB128(function.headSamples)
            try function.writeExtBinaryBody(name: name, into: &profiles, nameIndex: index)
        }

        var sections: [ExtBinaryFormat.Section: [UInt8]] = [
            .summary: SampleProfileSummary(of: profile).extBinaryBytes(),
            .nameTable: nameTable,
            .contextNameTable: [0],  // no context-sensitive profiles
            .lbrProfile: profiles,
            .profileSymbolList: [],
            .functionOffsetTable: offsets,
            .functionMetadata: [],
        ]
        // Sections go in llvm-profdata's writing order; the header lists them in layout order.
        let writingOrder: [ExtBinaryFormat.Section] = [.summary, .nameTable, .contextNameTable, .lbrProfile, .profileSymbolList, .functionOffsetTable, .functionMetadata]
        var file: [UInt8] = []
        file.appendULEB128(ExtBinaryFormat.magic)
        file.appendULEB128(ExtBinaryFormat.version)
        file.appendLittleEndian(UInt64(ExtBinaryFormat.layout.count))
        let headerStart = file.count
        var position = headerStart + ExtBinaryFormat.layout.count * ExtBinaryFormat.headerEntrySize
        var placement: [ExtBinaryFormat.Section: (offset: Int, size: Int)] = [:]
        for section in writingOrder {
            let size = sections[section]?.count ?? 0
            placement[section] = (position, size)
            position += size
        }
        for section in ExtBinaryFormat.layout {
            let (offset, size) = placement[section] ?? (0, 0)
            file.appendLittleEndian(section.rawValue)
            file.appendLittleEndian(UInt64(0))  // flags: uncompressed, names in full
            file.appendLittleEndian(UInt64(offset))
            file.appendLittleEndian(UInt64(size))
        }
        for section in writingOrder {
            file.append(contentsOf: sections[section] ?? [])
            sections[section] = nil
        }
        return file
    }

    /// Every name the profile mentions: functions, call targets and inlinees.
    func allNames() -> Set<String> {
        var names = Set<String>()
        func collect(_ name: String, _ function: FunctionSamples) {
            names.insert(name)
            for targets in function.callTargets.values { names.formUnion(targets.keys) }
            for callees in function.inlinees.values {
                for (callee, inlinee) in callees { collect(callee, inlinee) }
            }
        }
        for (name, function) in functions { collect(name, function) }
        return names
    }
}

extension SampleProfileSummary {
    /// The summary section: totals, then (cutoff, minimum count, number of counts) per cutoff.
    func extBinaryBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [totalCount, maxCount, maxFunctionCount, numCounts, numFunctions, UInt64(detailed.count)] {
            bytes.appendULEB128(value)
        }
        for entry in detailed {
            bytes.appendULEB128(entry.cutoff)
            bytes.appendULEB128(entry.minCount)
            bytes.appendULEB128(entry.numCounts)
        }
        return bytes
    }
}

extension LineLocation {
    /// The largest line offset llvm-profdata accepts (it reports "Illegal line offset" beyond,
    /// in binary and text alike); discriminators are unsigned 32-bit numbers.
    static let maximumOffset = Int(UInt16.max)
    static let maximumDiscriminator = Int(UInt32.max)

    func appendExtBinary(to bytes: inout [UInt8], in function: String) throws(SampleProfileValidationError) {
        guard (0...Self.maximumOffset).contains(offset), (0...Self.maximumDiscriminator).contains(discriminator) else {
            throw SampleProfileValidationError(description: "\(function): line location \(text) cannot be stored (offsets are 0...\(Self.maximumOffset), discriminators 0...\(Self.maximumDiscriminator))")
        }
        bytes.appendULEB128(offset)
        bytes.appendULEB128(discriminator)
    }
}

extension FunctionSamples {
    /// Name index, total, body samples with their call targets, then each inlinee the same way
    /// (without head samples: only top-level functions have them).
    func writeExtBinaryBody(name: String, into bytes: inout [UInt8], nameIndex: [String: Int]) throws(SampleProfileValidationError) {
        func indexOf(_ name: String) throws(SampleProfileValidationError) -> Int {
            guard let position = nameIndex[name] else {
                throw SampleProfileValidationError(description: "\(name) is missing from the name table")
            }
            return position
        }
        bytes.appendULEB128(try indexOf(name))
        bytes.appendULEB128(totalSamples)
        bytes.appendULEB128(bodySamples.count)
        for location in bodySamples.keys.sorted() {
            try location.appendExtBinary(to: &bytes, in: name)
            bytes.appendULEB128(bodySamples[location] ?? 0)
            let targets = (callTargets[location] ?? [:]).sorted { a, b in
                a.value != b.value ? a.value > b.value : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
            }
            bytes.appendULEB128(targets.count)
            for (callee, calls) in targets {
                bytes.appendULEB128(try indexOf(callee))
                bytes.appendULEB128(calls)
            }
        }
        bytes.appendULEB128(inlinees.values.reduce(0) { $0 + $1.count })
        for location in inlinees.keys.sorted() {
            let callees = (inlinees[location] ?? [:]).sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (callee, inlinee) in callees {
                try location.appendExtBinary(to: &bytes, in: name)
                try inlinee.writeExtBinaryBody(name: callee, into: &bytes, nameIndex: nameIndex)
            }
        }
    }
}
