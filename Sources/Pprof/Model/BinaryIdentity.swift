/// Which binary a mapping is of, the same across profiles: its build ID when it has one (as
/// lowercase hex), else its file name. Releases of a service are told apart by it.
public enum BinaryIdentity: Hashable, Sendable, Comparable, CustomStringConvertible {
    case buildID(String)
    case file(String)

    public var buildID: String? {
        if case .buildID(let id) = self { return id }
        return nil
    }

    public var description: String {
        switch self {
        case .buildID(let id): id
        case .file(let name): "\(name) (no build ID)"
        }
    }
}

extension Profile {
    public func binaryIdentity(of mapping: Mapping) -> BinaryIdentity {
        let id = string(mapping.buildID)
        return id.isEmpty ? .file(string(mapping.filename)) : .buildID(id.lowercased())
    }

    /// The profiled executable: the first mapping, as pprof takes it; nil without mappings.
    public var mainBinary: BinaryIdentity? { mappings.first.map(binaryIdentity(of:)) }
}
