// SHA-256 as specified in FIPS 180-4, written here because Linux has neither CryptoKit nor
// CommonCrypto and the package takes no third-party dependencies. It hashes every uploaded
// profile (the S3 payload hash) and underlies HMAC-SHA256 for SigV4, so the hot loop works on
// raw pointers with no per-block allocation.

import CSHA256

/// SHA-256 (FIPS 180-4), streaming: feed bytes with `update` in any chunking, then `finalize`.
/// Blocks are compressed with the CPU's SHA instructions where it has them (x86 SHA-NI, several
/// times faster), else by the Swift code below; both are tested against each other.
public struct SHA256: Sendable {
    /// Whether blocks go through the CPU's SHA instructions.
    static let usesHardware = pgo_sha256_hardware_available() != 0
    /// The Swift code alone (tests compare it with the hardware path).
    var portable = false

    /// The eight working hash words H0...H7.
    private var state: State = .initial
    /// Bytes that do not yet fill a 64-byte block. A tuple, so the hasher never touches the heap.
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Total message length in bytes, for the length field of the padding.
    private var totalBytes: UInt64 = 0

    public init() {}

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var input = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        totalBytes &+= UInt64(remaining)

        // Top up a partly filled block first.
        if pendingCount > 0 {
            let offset = pendingCount
            let take = Swift.min(64 - offset, remaining)
            withUnsafeMutableBytes(of: &pending) { block in
                (block.baseAddress! + offset).copyMemory(from: input, byteCount: take)
            }
            pendingCount += take
            input += take
            remaining -= take
            guard pendingCount == 64 else { return }
            let block = pending
            withUnsafeBytes(of: block) { compress($0.baseAddress!, blockCount: 1) }
            pendingCount = 0
        }

        // Whole blocks straight from the caller's memory.
        let blockCount = remaining / 64
        if blockCount > 0 {
            compress(input, blockCount: blockCount)
            input += blockCount * 64
            remaining -= blockCount * 64
        }

        // Keep the tail for next time.
        if remaining > 0 {
            let tail = input
            let count = remaining
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: tail, byteCount: count)
            }
            pendingCount = remaining
        }
    }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Pads the message, returns its 32-byte digest, and resets the hasher to its initial state
    /// so that a stale state can never be mistaken for the hash of a longer message.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        // 0x80, then zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        let zeros = (55 &- pendingCount) & 63
        var padding = [UInt8](repeating: 0, count: 1 + zeros + 8)
        padding[0] = 0x80
        for i in 0..<8 {
            padding[padding.count - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))
        }
        update(padding)
        precondition(pendingCount == 0)

        var digest = [UInt8](repeating: 0, count: 32)
        let words = [state.a, state.b, state.c, state.d, state.e, state.f, state.g, state.h]
        for (i, word) in words.enumerated() {
            digest[4 * i] = UInt8(truncatingIfNeeded: word >> 24)
            digest[4 * i + 1] = UInt8(truncatingIfNeeded: word >> 16)
            digest[4 * i + 2] = UInt8(truncatingIfNeeded: word >> 8)
            digest[4 * i + 3] = UInt8(truncatingIfNeeded: word)
        }
        self = SHA256()
        return digest
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The digest of the bytes in `buffer` in one call.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(buffer)
        return hasher.finalize()
    }

    // MARK: - Compression function

    private struct State: Sendable {
        var a, b, c, d, e, f, g, h: UInt32

        /// FIPS 180-4 §5.3.3: the first 32 bits of the fractional parts of the square roots of
        /// the first eight primes.
        static let initial = State(
            a: 0x6a09_e667, b: 0xbb67_ae85, c: 0x3c6e_f372, d: 0xa54f_f53a,
            e: 0x510e_527f, f: 0x9b05_688c, g: 0x1f83_d9ab, h: 0x5be0_cd19)
    }

    /// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the
    /// first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// One round (§6.2.2 step 3) with the variables named by position: d and h are the two that
    /// change (d + T1 becomes the new e, T1 + T2 the new a), the others only shift roles.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
    ) {
        // Ch and Maj in equivalent forms with fewer operations than §4.1.2 writes them.
        let choose = g ^ (e & (f ^ g))
        let majority = (a & b) | (c & (a | b))
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ choose &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ majority
        d &+= t1
        h = t1 &+ t2
    }

    /// Runs the compression function over `blockCount` consecutive 64-byte blocks at `blocks`
    /// (any alignment). The message schedule lives on the stack, allocated once per call.
    /// The hardware's compression where there is one, else the Swift one.
    private mutating func compress(_ blocks: UnsafeRawPointer, blockCount: Int) {
        guard Self.usesHardware, !portable else { return Self.compress(&state, blocks, blockCount: blockCount) }
        withUnsafeMutableBytes(of: &state) { words in
            pgo_sha256_compress(words.baseAddress!.assumingMemoryBound(to: UInt32.self), blocks.assumingMemoryBound(to: UInt8.self), blockCount)
        }
    }

    private static func compress(_ state: inout State, _ blocks: UnsafeRawPointer, blockCount: Int) {
        roundConstants.withUnsafeBufferPointer { kBuffer in
            let k = kBuffer.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wBuffer in
                let w = wBuffer.baseAddress!
                var s = state
                var block = blocks
                for _ in 0..<blockCount {
                    // §6.2.2 step 1: the message schedule.
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 &* t, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t &- 15], y = w[t &- 2]
                        let sigma0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
                        let sigma1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
                        w[t] = sigma1 &+ w[t &- 7] &+ sigma0 &+ w[t &- 16]
                    }

                    // Steps 2-3: 64 rounds over the working variables, eight at a time with the
                    // roles of the variables rotated instead of shuffling their values.
                    var a = s.a, b = s.b, c = s.c, d = s.d, e = s.e, f = s.f, g = s.g, h = s.h
                    var t = 0
                    while t < 64 {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ w[t &+ 1])
                        round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ w[t &+ 2])
                        round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ w[t &+ 3])
                        round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ w[t &+ 4])
                        round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ w[t &+ 5])
                        round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ w[t &+ 6])
                        round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ w[t &+ 7])
                        t &+= 8
                    }

                    // Step 4: the intermediate hash value.
                    s.a &+= a; s.b &+= b; s.c &+= c; s.d &+= d
                    s.e &+= e; s.f &+= f; s.g &+= g; s.h &+= h
                    block += 64
                }
                state = s
            }
        }
    }
}
