/// The protobuf wire types that profile.proto can carry (groups are deprecated and rejected).
public enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// A violation of the protobuf wire format, located by byte offset within the decoded buffer.
public struct WireFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var problem: String
    public init(offset: Int, problem: String) {
        self.offset = offset
        self.problem = problem
    }
    public var description: String { "malformed protobuf at byte \(offset): \(problem)" }
}
