/// A pprof profile, field for field as `profile.proto` defines it.
///
/// The model keeps the wire representation's string-table indices rather than resolved strings:
/// decoding then costs one pass, and merging many profiles can remap a whole string table at once
/// instead of hashing every name of every input. Use ``string(_:)`` to resolve an index.
public struct Profile: Hashable, Sendable {
    /// What each value of a sample measures (field 1).
    public var sampleTypes: [ValueType] = []
    /// The measured stacks (field 2).
    public var samples: [Sample] = []
    /// Memory mappings of the profiled process (field 3).
    public var mappings: [Mapping] = []
    /// Program counters with their symbolized lines (field 4).
    public var locations: [Location] = []
    /// Functions named by locations' lines (field 5).
    public var functions: [Function] = []
    /// All strings, referenced by index. Index 0 is always the empty string (field 6).
    public var stringTable: [String] = [""]
    /// Regular expression of frames to drop, as a string index (field 7).
    public var dropFrames: Int64 = 0
    /// Regular expression of frames to keep despite `dropFrames`, as a string index (field 8).
    public var keepFrames: Int64 = 0
    /// When the profile was taken, in nanoseconds since the Unix epoch (field 9).
    public var timeNanos: Int64 = 0
    /// How long the profile was taken over (field 10).
    public var durationNanos: Int64 = 0
    /// The kind of events between samples, such as `cpu/nanoseconds` (field 11).
    public var periodType: ValueType? = nil
    /// The number of events between sampled occurrences (field 12).
    public var period: Int64 = 0
    /// Free-form comments, as string indices (field 13).
    public var comments: [Int64] = []
    /// The sample type to show by default, as a string index (field 14).
    public var defaultSampleType: Int64 = 0
    /// Documentation link for the profile's source, as a string index (field 15).
    public var docURL: Int64 = 0

    public init() {}

    /// The string at `index` in the string table, or `""` when the index is out of range.
    /// Validated profiles never have out-of-range indices.
    @inlinable
    public func string(_ index: Int64) -> String {
        index >= 0 && index < stringTable.count ? stringTable[Int(index)] : ""
    }
}

/// A `type/unit` pair such as `samples/count` or `cpu/nanoseconds`, as string indices.
public struct ValueType: Hashable, Sendable {
    public var type: Int64
    public var unit: Int64
    public init(type: Int64 = 0, unit: Int64 = 0) {
        self.type = type
        self.unit = unit
    }
}

/// One measured stack: leaf-most location first, with one value per sample type.
public struct Sample: Hashable, Sendable {
    public var locationIDs: [UInt64]
    public var values: [Int64]
    public var labels: [Label]
    public init(locationIDs: [UInt64] = [], values: [Int64] = [], labels: [Label] = []) {
        self.locationIDs = locationIDs
        self.values = values
        self.labels = labels
    }
}

/// A sample label: a string label has `str`, a numeric one has `num` and optionally `numUnit`.
public struct Label: Hashable, Sendable {
    public var key: Int64
    public var str: Int64
    public var num: Int64
    public var numUnit: Int64
    public init(key: Int64 = 0, str: Int64 = 0, num: Int64 = 0, numUnit: Int64 = 0) {
        self.key = key
        self.str = str
        self.num = num
        self.numUnit = numUnit
    }
}

/// A mapped binary or library: the address range it occupies and how to identify it.
public struct Mapping: Hashable, Sendable {
    public var id: UInt64
    public var memoryStart: UInt64
    public var memoryLimit: UInt64
    public var fileOffset: UInt64
    public var filename: Int64
    public var buildID: Int64
    public var hasFunctions: Bool
    public var hasFilenames: Bool
    public var hasLineNumbers: Bool
    public var hasInlineFrames: Bool
    public init(
        id: UInt64 = 0, memoryStart: UInt64 = 0, memoryLimit: UInt64 = 0, fileOffset: UInt64 = 0,
        filename: Int64 = 0, buildID: Int64 = 0, hasFunctions: Bool = false, hasFilenames: Bool = false,
        hasLineNumbers: Bool = false, hasInlineFrames: Bool = false
    ) {
        self.id = id
        self.memoryStart = memoryStart
        self.memoryLimit = memoryLimit
        self.fileOffset = fileOffset
        self.filename = filename
        self.buildID = buildID
        self.hasFunctions = hasFunctions
        self.hasFilenames = hasFilenames
        self.hasLineNumbers = hasLineNumbers
        self.hasInlineFrames = hasInlineFrames
    }
}

/// A program counter. `lines` lists its source lines innermost (inlined) first, caller last.
public struct Location: Hashable, Sendable {
    public var id: UInt64
    /// 0 when the location belongs to no mapping.
    public var mappingID: UInt64
    public var address: UInt64
    public var lines: [Line]
    public var isFolded: Bool
    public init(id: UInt64 = 0, mappingID: UInt64 = 0, address: UInt64 = 0, lines: [Line] = [], isFolded: Bool = false) {
        self.id = id
        self.mappingID = mappingID
        self.address = address
        self.lines = lines
        self.isFolded = isFolded
    }
}

/// A source line inside a function.
public struct Line: Hashable, Sendable {
    /// 0 when the line names no function.
    public var functionID: UInt64
    public var line: Int64
    public var column: Int64
    public init(functionID: UInt64 = 0, line: Int64 = 0, column: Int64 = 0) {
        self.functionID = functionID
        self.line = line
        self.column = column
    }
}

/// A function: its names and where it starts. Go's PGO needs `startLine`.
public struct Function: Hashable, Sendable {
    public var id: UInt64
    /// Human-readable name, as a string index.
    public var name: Int64
    /// Linkage (mangled) name, as a string index.
    public var systemName: Int64
    public var filename: Int64
    public var startLine: Int64
    public init(id: UInt64 = 0, name: Int64 = 0, systemName: Int64 = 0, filename: Int64 = 0, startLine: Int64 = 0) {
        self.id = id
        self.name = name
        self.systemName = systemName
        self.filename = filename
        self.startLine = startLine
    }
}
