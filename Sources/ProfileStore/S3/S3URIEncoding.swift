// The one percent-encoding SigV4 accepts. Foundation's URL encoders leave characters such as
// '+', '=', '!', '\'', '(', ')', '*', ':' and '@' alone, and S3 would then canonicalize the
// request differently from us and reject the signature, so object keys and query parameters are
// encoded here and nowhere else.

public enum S3URIEncoding {
    /// RFC 3986 percent-encoding as AWS requires: unreserved A-Z a-z 0-9 - . _ ~ left alone,
    /// everything else %XX (uppercase hex, UTF-8), '/' kept when keepSlash is true (for paths).
    public static func encode(_ string: String, keepSlash: Bool) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
