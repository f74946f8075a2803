import Foundation
import ProfileStore

/// Which rollups and which raw profiles a window's profile is merged from, so that every profile
/// counts exactly once. Pure: listings in, a choice out.
///
/// The rules (README, "Rollups"):
/// - Rollups are preferred by how many raw objects they cover, then the longer period; a rollup
///   overlapping one already chosen is not used (an hourly rollup inside a chosen daily one).
/// - A rollup covers its own objects; a raw object of the window it does not account for (a
///   late arrival, or one uploaded after the compaction) is merged raw.
/// - A period the window cuts is taken from its raw profiles inside the window while all of
///   them exist. Once any was deleted (`pgo compact --delete-raw`, `pgo prune`), the rollup is
///   used whole, and the plan says so: the window then reaches to the period's ends.
public struct RollupPlan: Sendable, Equatable {
    /// The rollups to merge, by start.
    public var rollups: [StoredRollup]
    /// The raw objects to merge, in the order listed.
    public var raw: [StoredProfile]
    /// Raw objects of the window that a chosen rollup's compaction could not merge: skipped with its reason.
    public var rejected: [RollupRecord.Rejected]
    /// Chosen rollups whose period reaches outside the window.
    public var beyondWindow: [StoredRollup]
    /// What a user should know: rollups left out that hold profiles nothing else does.
    public var notes: [String]

    public static func choose(window: TimeWindow, raw: [StoredProfile], rollups: [StoredRollup]) -> RollupPlan {
        let windowRange = window.from.unixMilliseconds...window.to.unixMilliseconds
        let present = Set(raw.map(\.key))
        var chosen: [StoredRollup] = []
        var beyond: [StoredRollup] = []
        for rollup in rollups.sorted() {
            guard !chosen.contains(where: { $0.range.overlaps(rollup.range) }) else { continue }
            let inside = windowRange.contains(rollup.range.lowerBound) && windowRange.contains(rollup.range.upperBound)
            if !inside {
                let inWindow = rollup.record.covers.filter { windowRange.contains($0.milliseconds) }
                if inWindow.allSatisfy({ present.contains($0.key) }) { continue }  // the raw profiles are all there
                beyond.append(rollup)
            }
            chosen.append(rollup)
        }
        var accounted = Set<String>()
        for rollup in chosen { accounted.formUnion(rollup.record.accountedKeys) }
        var rejected: [RollupRecord.Rejected] = []
        for rollup in chosen {
            rejected += rollup.record.rejected.filter { present.contains($0.key) && windowRange.contains($0.milliseconds) }
        }
        var notes: [String] = []
        for rollup in rollups where !chosen.contains(rollup) {
            let lost = rollup.record.covers.filter {
                windowRange.contains($0.milliseconds) && !accounted.contains($0.key) && !present.contains($0.key)
            }
            if !lost.isEmpty {
                notes.append("rollup \(rollup.profile.key) holds \(lost.count) profile\(lost.count == 1 ? "" : "s") of the window that the rollups used do not, and their raw objects are gone: they are left out (run pgo compact to fold them in)")
            }
        }
        return RollupPlan(
            rollups: chosen.sorted { ($0.record.startMilliseconds, $0) < ($1.record.startMilliseconds, $1) },
            raw: raw.filter { !accounted.contains($0.key) }, rejected: rejected.sorted { ($0.milliseconds, $0.key) < ($1.milliseconds, $1.key) },
            beyondWindow: beyond, notes: notes)
    }
}
