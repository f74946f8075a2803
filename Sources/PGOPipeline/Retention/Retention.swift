import Foundation
import ProfileStore

/// Deleting profiles: one object, a window, or everything older than an age (retention).
public enum Retention {
    /// The window of profiles strictly older than `age` at `now`: it ends one millisecond before the cutoff.
    public static func window(olderThan age: TimeInterval, now: Date) -> TimeWindow {
        let cutoff = now.addingTimeInterval(-age)
        return TimeWindow(from: TimeWindow.all.from, to: Date(unixMilliseconds: cutoff.unixMilliseconds - 1))
    }

    /// Deletes `service`'s profiles in `window` (8 at a time), or with `dryRun` only lists them;
    /// returns them. Entries that are not profiles are left alone and warned about.
    public static func delete(
        in store: any ProfileStore, service: String, window: TimeWindow, dryRun: Bool, diagnostics: Diagnostics
    ) async throws -> [StoredProfile] {
        let listing = try await store.list(service: service, window: window)
        for skipped in listing.skipped { diagnostics.warn("not a profile, left alone: \(skipped)") }
        if !dryRun {
            _ = try await boundedMap(listing.profiles, concurrency: 8) { object in try await store.delete(object) }
        }
        return listing.profiles
    }
}
