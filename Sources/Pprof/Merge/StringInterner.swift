/// Assigns each distinct string a dense id, so merged data can be keyed by integers.
struct StringInterner {
    private(set) var strings: [String] = [""]
    private var ids: [String: Int32] = ["": 0]

    mutating func intern(_ string: String) -> Int32 {
        if let id = ids[string] { return id }
        let id = Int32(strings.count)
        strings.append(string)
        ids[string] = id
        return id
    }

    subscript(id: Int32) -> String { strings[Int(id)] }
}

/// Maps a profile's own ids (mapping, location or function ids) to positions in its arrays.
/// pprof writers number ids densely from 1, so an array usually serves; sparse ids use a dictionary.
struct IDIndex {
    private var dense: [Int32] = []
    private var sparse: [UInt64: Int32] = [:]
    /// An id that more than one element has, if any (the first such element keeps the id).
    private(set) var duplicate: UInt64? = nil

    init(_ ids: some Collection<UInt64>) {
        let maxID = ids.max() ?? 0
        if maxID <= UInt64(ids.count) * 4 + 16 {
            dense = Array(repeating: -1, count: Int(maxID) + 1)
            for (position, id) in ids.enumerated() {
                if dense[Int(id)] >= 0 { duplicate = duplicate ?? id; continue }
                dense[Int(id)] = Int32(position)
            }
        } else {
            for (position, id) in ids.enumerated() where sparse.updateValue(Int32(position), forKey: id) != nil {
                duplicate = duplicate ?? id
            }
        }
    }

    /// The position of `id`, or nil when no element has it.
    subscript(id: UInt64) -> Int? {
        if !dense.isEmpty || sparse.isEmpty {
            guard id < UInt64(dense.count) else { return nil }
            let position = dense[Int(id)]
            return position < 0 ? nil : Int(position)
        }
        return sparse[id].map(Int.init)
    }
}
