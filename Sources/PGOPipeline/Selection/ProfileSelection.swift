import Foundation
import ProfileStore

/// Which of a window's profiles to use.
public enum ProfileSelection: Hashable, Sendable, CustomStringConvertible {
    case all
    /// The N most recent.
    case newest(Int)
    /// The N largest objects: pgolib's rule.
    case largest(Int)
    /// The N with the most CPU: needs the profiles' totals, so they are downloaded first.
    case cpu(Int)

    /// Parses `all`, `newest:N`, `largest:N` or `cpu:N`.
    public init?(_ text: String) {
        if text == "all" {
            self = .all
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let count = Int(parts[1]), count > 0 else { return nil }
        switch parts[0] {
        case "newest": self = .newest(count)
        case "largest": self = .largest(count)
        case "cpu": self = .cpu(count)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .all: "all"
        case .newest(let n): "newest:\(n)"
        case .largest(let n): "largest:\(n)"
        case .cpu(let n): "cpu:\(n)"
        }
    }

    /// Whether choosing needs each profile's CPU total.
    public var needsCPUTotals: Bool { if case .cpu = self { true } else { false } }

    /// Chooses from listed objects, oldest first in the result. For `.cpu`, `cpuTotal` gives each
    /// object's total; ties are broken by time then key, so the choice is deterministic.
    public func choose(from objects: [StoredProfile], cpuTotal: (StoredProfile) -> Int64 = { _ in 0 }) -> [StoredProfile] {
        let ranked = ranked(objects, cpuTotal: cpuTotal)
        return Array(ranked.prefix(limit ?? ranked.count)).sorted { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }
    }

    /// How many the rule keeps; nil for all.
    public var limit: Int? {
        switch self {
        case .all: nil
        case .newest(let n), .largest(let n), .cpu(let n): n
        }
    }

    /// `objects` best first by the rule (for `.all`, as listed): a fetch takes them in this order
    /// until it has `limit` it can use, so an unreadable object gives its place to the next.
    public func ranked(_ objects: [StoredProfile], cpuTotal: (StoredProfile) -> Int64 = { _ in 0 }) -> [StoredProfile] {
        switch self {
        case .all:
            return objects
        case .newest:
            return objects.sorted { ($0.createdAt, $0.key) > ($1.createdAt, $1.key) }
        case .largest:
            return objects.sorted { ($0.size, $0.createdAt, $0.key) > ($1.size, $1.createdAt, $1.key) }
        case .cpu:
            let totals = Dictionary(objects.map { ($0.key, cpuTotal($0)) }, uniquingKeysWith: { a, _ in a })
            return objects.sorted { (totals[$0.key]!, $0.createdAt, $0.key) > (totals[$1.key]!, $1.createdAt, $1.key) }
        }
    }
}
