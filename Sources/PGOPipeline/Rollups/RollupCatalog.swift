import Foundation
import ProfileStore

/// Reads a service's rollups out of its store's rollup area.
public enum RollupCatalog {
    /// The rollups of `service` whose periods overlap `window`, each with its profile object.
    /// A record that cannot be read or does not check, or whose profile object is missing or of
    /// another size, is a warning and is not returned: its period is then fetched from the raw
    /// profiles where they exist, never from a rollup that cannot be trusted.
    public static func load(
        from store: any RollupStore, service: String, window: TimeWindow, diagnostics: Diagnostics
    ) async throws -> [StoredRollup] {
        let objects = try await store.listRollupObjects(service: service)
        let prefix = store.rollupKeyPrefix
        var profiles: [String: StoredProfile] = [:]
        var records: [StoredProfile] = []
        for object in objects {
            guard let parsed = RollupKey.parse(object.key, prefix: prefix, service: service) else { continue }
            let range = parsed.start...(parsed.start + parsed.period.milliseconds - 1)
            guard range.overlaps(window.from.unixMilliseconds...window.to.unixMilliseconds) else { continue }
            if parsed.isRecord { records.append(object) } else { profiles[object.key] = object }
        }
        let loaded = try await boundedMap(records, concurrency: 8) { object -> Result<RollupRecord, Error> in
            do {
                let bytes = try await store.readRollupObject(key: object.key)
                return .success(try RollupRecord.decode(bytes, key: object.key, prefix: prefix, service: service))
            } catch {
                return .failure(error)
            }
        }
        var rollups: [StoredRollup] = []
        for (object, result) in zip(records, loaded) {
            let record: RollupRecord
            switch result {
            case .success(let value): record = value
            case .failure(let error):
                diagnostics.warn("skipping rollup \(error is RollupError ? "" : "\(object.key): ")\(error); its period is taken from raw profiles where they exist")
                continue
            }
            guard let profile = profiles[record.profileKey], profile.size == record.profileSize else {
                let problem = profiles[record.profileKey].map { "is \($0.size) bytes, but the record says \(record.profileSize)" } ?? "is missing"
                diagnostics.warn("skipping rollup \(object.key): its profile \(record.profileKey) \(problem); its period is taken from raw profiles where they exist")
                continue
            }
            rollups.append(StoredRollup(record: record, recordKey: object.key, profile: profile))
        }
        return rollups.sorted { ($0.record.startMilliseconds, $0) < ($1.record.startMilliseconds, $1) }
    }
}
