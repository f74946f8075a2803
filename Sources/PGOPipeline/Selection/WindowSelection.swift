import Foundation
import Pprof
import ProfileStore

/// A window's profiles after a selection rule, as `pgo list` and `pgo get` use them.
public struct SelectedProfiles: Sendable {
    /// The chosen objects, oldest first.
    public var objects: [StoredProfile]
    /// The bytes of those that ranking already downloaded (`cpu:N`), by key, so a caller that
    /// wants them need not download them again.
    public var downloaded: [String: [UInt8]]
}

extension ProfileSelection {
    /// Lists `service`'s objects in `window` and applies the rule; entries that are not
    /// profiles are warned about. `cpu:N` downloads the pprof objects to rank them;
    /// instrumentation profiles hold counts, not CPU time, and rank last without a download.
    public func select(
        in store: any ProfileStore, service: String, window: TimeWindow, diagnostics: Diagnostics
    ) async throws -> SelectedProfiles {
        let listing = try await store.list(service: service, window: window)
        for skipped in listing.skipped { diagnostics.warn("not a profile: \(store.location) \(skipped)") }
        guard needsCPUTotals else { return SelectedProfiles(objects: choose(from: listing.profiles), downloaded: [:]) }
        let downloaded = try await store.download(listing.profiles.filter { $0.kind == .pprof })
        var profiles: [String: Profile] = [:]
        for (object, bytes) in downloaded {
            do { profiles[object.key] = try Profile(serialized: bytes) } catch { diagnostics.warn("\(object.key): \(error); ranked last") }
        }
        let bytes = Dictionary(downloaded.map { ($0.0.key, $0.1) }, uniquingKeysWith: { first, _ in first })
        return SelectedProfiles(objects: choose(from: listing.profiles, profiles: profiles), downloaded: bytes)
    }
}
