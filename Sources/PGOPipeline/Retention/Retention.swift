import Foundation
import ProfileStore

/// Deleting profiles: one object, a window, or everything older than an age (retention).
public enum Retention {
    /// The window of profiles strictly older than `age` at `now`: it ends one millisecond before the cutoff.
    public static func window(olderThan age: TimeInterval, now: Date) -> TimeWindow {
        let cutoff = now.addingTimeInterval(-age)
        return TimeWindow(from: TimeWindow.all.from, to: Date(unixMilliseconds: cutoff.unixMilliseconds - 1))
    }

    /// What a rollup whose period the window cuts becomes.
    public enum CutRollups: Sendable {
        /// Deleted with the profiles (`pgo delete`: profiles deleted must not live on in a rollup).
        /// Its other profiles are then used raw where their raw objects exist, and rolled up again
        /// by the next compaction; those whose raw objects are gone go with it, and are counted.
        case delete
        /// Kept until its whole period is in the window (`pgo prune`: a cutoff inside a period keeps
        /// that period's rollup, so retention never deletes newer profiles than asked).
        case keep
    }

    public struct Deleted: Sendable {
        public var profiles: [StoredProfile] = []
        public var rollups: [StoredRollup] = []
        /// Profiles outside the window that only deleted rollups held (their raw objects were gone).
        public var lostOutsideWindow = 0
    }

    /// Deletes `service`'s profiles in `window` (8 at a time), and the rollups that hold them, or
    /// with `dryRun` only lists them. Entries that are not profiles are left alone and warned about.
    public static func delete(
        in store: any ProfileStore, rollups rollupStore: (any RollupStore)?, service: String, window: TimeWindow, cutRollups: CutRollups,
        dryRun: Bool, diagnostics: Diagnostics
    ) async throws -> Deleted {
        let listing = try await store.list(service: service, window: window)
        for skipped in listing.skipped { diagnostics.warn("not a profile, left alone: \(skipped)") }
        var deleted = Deleted(profiles: listing.profiles)
        if let rollupStore {
            let range = window.from.unixMilliseconds...window.to.unixMilliseconds
            let overlapping = try await RollupCatalog.load(from: rollupStore, service: service, window: window, diagnostics: diagnostics)
            let outside = overlapping.filter { !(range.contains($0.range.lowerBound) && range.contains($0.range.upperBound)) }
            var present = Set<String>()
            if !outside.isEmpty {
                // The raw objects of the cut periods outside the window: do they still exist?
                for rollup in outside {
                    let whole = TimeWindow(from: Date(unixMilliseconds: rollup.range.lowerBound), to: Date(unixMilliseconds: rollup.range.upperBound))
                    present.formUnion(try await store.list(service: service, window: whole).profiles.map(\.key))
                }
            }
            for rollup in overlapping {
                let inside = range.contains(rollup.range.lowerBound) && range.contains(rollup.range.upperBound)
                guard inside || cutRollups == .delete else { continue }
                deleted.rollups.append(rollup)
                deleted.lostOutsideWindow += rollup.record.covers.filter { !range.contains($0.milliseconds) && !present.contains($0.key) }.count
            }
            if deleted.lostOutsideWindow > 0 {
                diagnostics.warn("\(deleted.lostOutsideWindow) profiles outside the window were held only by the rollups of the periods it cuts (their raw objects were deleted by pgo compact --delete-raw): they \(dryRun ? "would be" : "are") deleted with them")
            }
            if !dryRun {
                for rollup in deleted.rollups {
                    // The record first: a profile without its record is never used.
                    try await rollupStore.deleteRollupObject(key: rollup.recordKey)
                    try await rollupStore.deleteRollupObject(key: rollup.profile.key)
                }
            }
        }
        if !dryRun {
            _ = try await boundedMap(listing.profiles, concurrency: 8) { object in try await store.delete(object) }
        }
        return deleted
    }
}
