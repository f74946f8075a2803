import BinaryFormats

extension StoredProfile {
    /// Why `bytes` are not this object's, by what the store promised about it: the size its
    /// listing gave, the SHA-256 prefix in a swift-pgo key (`TIME-HASH.ext`) and the ETag where
    /// it is an MD5 (single-part S3 objects). Nil when they match. A corrupt body, a proxy that
    /// rewrote it, or a cache entry gone bad is caught here, before anyone merges it.
    public func mismatch(_ bytes: [UInt8]) -> String? { mismatch(DownloadedProfile(bytes: bytes)) }

    /// `mismatch` of bytes whose SHA-256 is known.
    public func mismatch(_ download: DownloadedProfile) -> String? {
        let bytes = download.bytes
        if bytes.count != size { return "\(bytes.count) bytes, but the listing gave \(size)" }
        if let promised = keyHash {
            let actual = String(hexString(download.sha256).prefix(16))
            if actual != promised { return "SHA-256 begins \(actual), but the key promises \(promised)" }
        }
        if let promised = md5ETag {
            let actual = hexString(MD5.hash(bytes))
            if actual != promised { return "MD5 \(actual), but the ETag is \(promised)" }
        }
        return nil
    }

    /// The 16 hex digits of SHA-256 a swift-pgo key ends with, if it is one (lowercase, as keys
    /// are written: `hexString`).
    var keyHash: String? {
        let name = key.lastIndex(of: "/").map { key[key.index(after: $0)...] } ?? Substring(key)
        return KeyScheme.standardName(name).map { String($0.hash).lowercased() }
    }

    /// The ETag as an MD5, when it is one: 32 hex digits (multipart ETags end in `-N`; local
    /// stores' are size and mtime).
    var md5ETag: String? {
        guard var etag = etag else { return nil }
        if etag.hasPrefix("\""), etag.hasSuffix("\""), etag.count >= 2 { etag = String(etag.dropFirst().dropLast()) }
        etag = etag.lowercased()
        guard etag.count == 32, etag.allSatisfy(\.isHexDigit) else { return nil }
        return etag
    }
}
