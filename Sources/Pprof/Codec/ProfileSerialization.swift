/// Limits that keep hostile input from exhausting memory.
public struct DecodingLimits: Hashable, Sendable {
    /// The largest profile accepted after decompression. Real CPU profiles are far smaller;
    /// anything larger is treated as a gzip bomb.
    public var maxDecodedBytes: Int
    /// The most memory decoding may take (`Profile.decodedCost`): with the decompressed bytes,
    /// one profile stays under about 600 MB whatever its contents.
    public var maxDecodedCost: Int
    public init(maxDecodedBytes: Int = 256 << 20, maxDecodedCost: Int = 320 << 20) {
        self.maxDecodedBytes = maxDecodedBytes
        self.maxDecodedCost = maxDecodedCost
    }
    public static let `default` = DecodingLimits()
}

/// Why bytes could not become a valid profile.
public enum ProfileDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case tooLarge(bytes: Int, limit: Int)
    /// Fits the byte limit, but would take more than the cost limit in memory once decoded.
    case tooCostly(bytes: Int, limit: Int)
    case gzip(GzipError)
    case wire(WireFormatError)
    /// Neither gzip nor a protobuf message: most likely some other file.
    case notAProfile(WireFormatError)
    case invalid(ProfileValidationError)

    public var description: String {
        switch self {
        case .empty: "empty input (0 bytes), not a profile"
        case .tooLarge(let bytes, let limit): "input of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .tooCostly(let bytes, let limit):
            "decoding it would take about \(bytes >> 20) MiB of memory, more than the limit of \(limit >> 20) MiB (a profile made to exhaust memory?)"
        case .gzip(let error): error.description
        case .wire(let error): "its gzip content is not a profile.proto message: \(error.description)"
        case .notAProfile(let error): "not a pprof profile (gzip or protobuf): \(error.description)"
        case .invalid(let error): error.description
        }
    }
}

extension Profile {
    /// Decodes and validates a serialized profile, gzip-compressed or raw (told apart by the
    /// gzip magic), the way `pprof` reads its inputs.
    public init(serialized buffer: UnsafeRawBufferPointer, limits: DecodingLimits = .default) throws(ProfileDecodingError) {
        guard !buffer.isEmpty else { throw .empty }
        guard buffer.count <= limits.maxDecodedBytes else {
            throw .tooLarge(bytes: buffer.count, limit: limits.maxDecodedBytes)
        }
        if Gzip.hasMagic(buffer) {
            let raw: [UInt8]
            do { raw = try Gzip.decompress(buffer, limit: limits.maxDecodedBytes) } catch { throw .gzip(error) }
            guard !raw.isEmpty else { throw .empty }
            let result = raw.withUnsafeBytes { raw in Result { () throws(ProfileDecodingError) in try Profile(boundedProtobuf: raw, limits: limits) } }
            self = try result.get()
        } else {
            do { self = try Profile(boundedProtobuf: buffer, limits: limits) } catch let error {
                guard case .wire(let wire) = error else { throw error }
                throw .notAProfile(wire)
            }
        }
        do { try validate() } catch { throw .invalid(error) }
    }

    /// Hands `body` the uncompressed protobuf of `buffer` (inflated when it is gzip), or returns
    /// nil when the input is empty, too large or not inflatable: `init(serialized:)` says why.
    static func withProtobuf<R>(_ buffer: UnsafeRawBufferPointer, limits: DecodingLimits, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard !buffer.isEmpty, buffer.count <= limits.maxDecodedBytes else { return nil }
        guard Gzip.hasMagic(buffer) else { return body(buffer) }
        guard let raw = try? Gzip.decompress(buffer, limit: limits.maxDecodedBytes), !raw.isEmpty else { return nil }
        return raw.withUnsafeBytes(body)
    }

    /// Decodes once the decoded cost is known to fit the limit.
    private init(boundedProtobuf buffer: UnsafeRawBufferPointer, limits: DecodingLimits) throws(ProfileDecodingError) {
        let cost: Int
        do { cost = try Profile.decodedCost(protobuf: buffer) } catch { throw .wire(error) }
        guard cost <= limits.maxDecodedCost else { throw .tooCostly(bytes: cost, limit: limits.maxDecodedCost) }
        do { self = try Profile(protobuf: buffer) } catch { throw .wire(error) }
    }

    public init(serialized bytes: [UInt8], limits: DecodingLimits = .default) throws(ProfileDecodingError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ProfileDecodingError) in try Profile(serialized: buffer, limits: limits) }
        }
        self = try result.get()
    }

    /// The gzip-compressed encoding that pprof tools and `go build -pgo` read.
    public func serialized() -> [UInt8] {
        Gzip.compress(protobufBytes())
    }
}
