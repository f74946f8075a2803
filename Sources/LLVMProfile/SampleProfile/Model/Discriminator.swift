/// DWARF discriminators as LLVM encodes them, decoded to the base discriminator a sample
/// profile is keyed by.
///
/// With `-debug-info-for-profiling`, each basic block sharing a source line gets its own base
/// discriminator (1, 2, 3, ...), stored in the line table packed with a duplication factor and
/// a copy ID: each component is a prefix-encoded number whose low bit 1 means "absent". The
/// symbolizer reports the packed value (2, 4, 6, ... for bases 1, 2, 3); the compiler matches
/// profile lines by the base alone.
enum Discriminator {
    static func base(ofEncoded encoded: UInt32) -> UInt32 {
        guard encoded & 1 == 0 else { return 0 }  // no base component
        let value = encoded >> 1
        // Values up to 31 take 5 bits; larger ones set bit 5 and continue in the bits above it.
        return value & 0x20 == 0 ? value & 0x1f : ((value >> 1) & 0xfe0) | (value & 0x1f)
    }
}
