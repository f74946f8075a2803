import Pprof
import ProfileStore

/// The CPU a profile holds: its cpu/nanoseconds total, else its sample count times the period.
public func cpuTotal(_ profile: Profile) -> Int64 {
    let types = profile.sampleTypeNames()
    let totals = profile.sampleTotals()
    if let index = types.firstIndex(of: "cpu/nanoseconds") { return totals[index] }
    if let index = types.firstIndex(of: "samples/count") { return totals[index] &* max(profile.period, 1) }
    return totals.last ?? 0
}

extension ProfileSelection {
    /// Chooses among objects whose decoded profiles are at hand: the one `cpu:N` ranking, for
    /// `pgo fetch`, `pgo list` and `pgo get`. An object without a profile ranks last.
    public func choose(from objects: [StoredProfile], profiles: [String: Profile]) -> [StoredProfile] {
        choose(from: objects) { object in profiles[object.key].map(cpuTotal) ?? -1 }
    }
}
