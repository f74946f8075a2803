/// The 8-byte magic numbers of LLVM's instrumentation profiles, read as little-endian 64-bit
/// words: a raw profile (`.profraw`) starts `81 72 66 6f 72 70 6c ff` (`\x81rforpl\xff`), an
/// indexed one (`.profdata`) `ff 6c 70 72 6f 66 69 81` (`\xfflprofi\x81`). Stores tell kinds apart
/// by them, and the raw-profile reader checks them: one definition for both.
public enum LLVMProfileMagic {
    public static let raw: UInt64 = 0xff6c_7072_6f66_7281
    public static let indexed: UInt64 = 0x8169_666f_7270_6cff

    /// Whether `bytes` start with the raw-profile magic number.
    public static func isRaw(_ bytes: [UInt8]) -> Bool { LittleEndian.read(bytes, at: 0, as: UInt64.self) == raw }

    /// Whether `bytes` start with the indexed-profile magic number.
    public static func isIndexed(_ bytes: [UInt8]) -> Bool { LittleEndian.read(bytes, at: 0, as: UInt64.self) == indexed }
}
