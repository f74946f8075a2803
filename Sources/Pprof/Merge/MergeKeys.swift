/// Identity keys of merged entities, over interned string ids. Their rules follow
/// google/pprof's `profile.Merge`, so the same things are considered equal.

struct FunctionKey: Hashable {
    var name: Int32
    var systemName: Int32
    var filename: Int32
    var startLine: Int64
}

/// Mappings of the same file are one mapping whatever address they were loaded at: the key is
/// the size (rounded up to 4 KiB), the file offset, and the build id (or, lacking one, the file name).
struct MappingKey: Hashable {
    var roundedSize: UInt64
    var fileOffset: UInt64
    var buildIDOrFile: Int32

    init(_ m: Mapping, buildIDOrFile: Int32) {
        let size = m.memoryLimit &- m.memoryStart
        roundedSize = (size &+ 0xfff) & ~0xfff
        fileOffset = m.fileOffset
        self.buildIDOrFile = buildIDOrFile
    }
}

/// The mapping that represents a merged group, with its strings interned.
struct MappingRecord {
    var memoryStart: UInt64
    var memoryLimit: UInt64
    var fileOffset: UInt64
    var filename: Int32
    var buildID: Int32
    var flags: UInt8  // hasFunctions, hasFilenames, hasLineNumbers, hasInlineFrames as bits 0-3
}

struct LineKey: Hashable {
    var function: Int32  // -1: no function
    var line: Int64
    var column: Int64
}

/// A location's address is kept relative to its mapping's start, so the same code loaded at
/// different addresses (ASLR) is one location.
struct LocationKey: Hashable {
    var mapping: Int32  // -1: no mapping
    var address: UInt64
    var lines: [LineKey]
    var isFolded: Bool
}

struct LabelKey: Hashable {
    var key: Int32
    var str: Int32
    var num: Int64
    var numUnit: Int32
}

/// A sample's identity: its stack and its labels (stably sorted by key, so label order between
/// keys does not matter, as in pprof), in one array of words: the location ids, then five words
/// per label (key, value, the number's two halves, its unit). Merging looks one up per input
/// sample, so it hashes as one block and compares as one array.
struct SampleKey: Hashable {
    private(set) var words: [Int32]
    private(set) var stackCount: Int32

    init(locations: some Collection<Int32>, labels: [LabelKey]) {
        var words = Array(locations)
        let stackCount = Int32(words.count)
        for label in labels { Self.append(label, to: &words) }
        self.init(words: words, stackCount: stackCount)
    }

    /// A key from words laid out as above (built in a reused buffer).
    init(words: [Int32], stackCount: Int32) {
        self.words = words
        self.stackCount = stackCount
    }

    static func append(_ label: LabelKey, to words: inout [Int32]) {
        words.append(label.key)
        words.append(label.str)
        words.append(Int32(truncatingIfNeeded: label.num))
        words.append(Int32(truncatingIfNeeded: label.num >> 32))
        words.append(label.numUnit)
    }

    var locations: ArraySlice<Int32> { words[..<Int(stackCount)] }

    var labels: [LabelKey] {
        stride(from: Int(stackCount), to: words.count, by: 5).map { (i: Int) -> LabelKey in
            let low = Int64(UInt32(bitPattern: words[i + 2]))
            let high = Int64(words[i + 3]) << 32
            return LabelKey(key: words[i], str: words[i + 1], num: high | low, numUnit: words[i + 4])
        }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(stackCount)
        words.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
