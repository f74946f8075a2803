// HMAC (RFC 2104) over SHA-256, the keyed hash SigV4 chains to derive its signing key and to
// sign the string-to-sign.

/// HMAC-SHA256 (RFC 2104 with SHA-256, test vectors in RFC 4231).
public enum HMACSHA256 {
    /// SHA-256's block size: keys longer than this are hashed first, shorter ones zero-padded.
    private static let blockSize = 64

    /// The 32-byte HMAC of `message` under `key`: H((K ^ opad) || H((K ^ ipad) || message)).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > blockSize ? SHA256.hash(key) : key
        block.append(contentsOf: repeatElement(0, count: blockSize - block.count))

        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()

        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize()
    }
}
