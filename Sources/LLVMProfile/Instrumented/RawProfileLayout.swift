import BinaryFormats
import Pprof

/// Where things are in an LLVM raw instrumentation profile (`.profraw`): enough to read its
/// version and build IDs and to rewrite its counters, which is what smoothing needs.
///
/// Only raw format version 10 (LLVM 19 to 21, the Swift 6.x toolchains) is understood: the
/// header is 16 little-endian 64-bit words, then the build IDs, the per-function data records
/// (64 bytes each), padding, and the 64-bit counters.
public struct RawProfileLayout: Equatable, Sendable {
    public var version: UInt64
    /// The variant flags in the version word's top byte (IR-level, context-sensitive, ...).
    public var variantFlags: UInt64
    /// The GNU build IDs of the binaries that wrote it, as lowercase hex.
    public var buildIDs: [String]
    public var functionCount: Int
    /// Byte offset of the first counter, and how many 64-bit counters follow.
    public var countersOffset: Int
    public var counterCount: Int
    /// Byte range of everything that identifies the binary's functions (data records up to the
    /// counters, names after them), for telling profiles of different binaries apart.
    public var identityRanges: [Range<Int>]

    public static let supportedVersion: UInt64 = 10
    static let headerWords = 16
    static let dataRecordSize = 64
    /// `VARIANT_MASK_BYTE_COVERAGE`: counters are single bytes (coverage, not counts).
    static let byteCoverageFlag: UInt64 = 1 << 60

    public init(parsing bytes: [UInt8], source: String) throws(InputError) {
        func fail(_ problem: String) -> InputError { InputError(source: source, problem: problem) }
        func word(_ index: Int) -> UInt64 { LittleEndian.read(bytes, at: index * 8) ?? 0 }
        guard LLVMProfileMagic.isRaw(bytes) else { throw fail("not an LLVM raw profile (.profraw): no raw profile magic number") }
        guard bytes.count >= Self.headerWords * 8 else {
            throw fail("truncated raw profile: \(bytes.count) bytes, shorter than its \(Self.headerWords * 8)-byte header")
        }
        version = word(1) & 0x00ff_ffff_ffff_ffff
        variantFlags = word(1) & 0xff00_0000_0000_0000
        guard version == Self.supportedVersion else {
            throw fail("raw profile format version \(version); this swift-pgo reads version \(Self.supportedVersion) (LLVM 19-21, Swift 6 toolchains). Merge it with the llvm-profdata of the toolchain that built the service")
        }
        guard variantFlags & Self.byteCoverageFlag == 0 else {
            throw fail("a single-byte coverage profile holds no counts to optimize with; build the service with -profile-generate")
        }
        let (binaryIDsSize, functions, paddingBefore, counters, paddingAfter, bitmapBytes, paddingAfterBitmap, namesSize) =
            (word(2), word(3), word(4), word(5), word(6), word(7), word(8), word(9))
        // Every size is bounded by the file before any arithmetic with it.
        let limit = UInt64(bytes.count)
        guard binaryIDsSize <= limit, functions <= limit / UInt64(Self.dataRecordSize), paddingBefore <= 8, counters <= limit / 8,
              paddingAfter <= 8, bitmapBytes <= limit, paddingAfterBitmap <= 8, namesSize <= limit
        else { throw fail("corrupt raw profile header: a section size exceeds the file's \(bytes.count) bytes") }
        let header = Self.headerWords * 8
        let dataOffset = header + Int(binaryIDsSize)
        countersOffset = dataOffset + Int(functions) * Self.dataRecordSize + Int(paddingBefore)
        counterCount = Int(counters)
        functionCount = Int(functions)
        let namesOffset = countersOffset + counterCount * 8 + Int(paddingAfter) + Int(bitmapBytes) + Int(paddingAfterBitmap)
        guard namesOffset + Int(namesSize) <= bytes.count else {
            throw fail("truncated raw profile: its sections need \(namesOffset + Int(namesSize)) bytes, the file has \(bytes.count)")
        }
        identityRanges = [dataOffset..<countersOffset, namesOffset..<namesOffset + Int(namesSize)]

        var ids: [String] = []
        var offset = header
        while offset + 8 <= dataOffset {
            let length: UInt64 = LittleEndian.read(bytes, at: offset) ?? 0
            guard length <= UInt64(dataOffset - offset - 8) else { throw fail("corrupt build ID section") }
            ids.append(hexString(bytes[offset + 8..<offset + 8 + Int(length)]))
            offset += 8 + (Int(length) + 7) & ~7
        }
        buildIDs = ids
    }

    /// A copy of `bytes` with every counter set to `value`.
    public func withEveryCounter(setTo value: UInt64, in bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        for index in 0..<counterCount {
            let at = countersOffset + index * 8
            LittleEndian.write(value, into: &copy, at: at)
        }
        return copy
    }
}
