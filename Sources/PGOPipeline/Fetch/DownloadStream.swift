import Foundation
import ProfileStore

/// Downloads objects (from the cache where it can), `concurrency` at a time, and hands each on
/// in the order given as soon as it and all before it have arrived: a sliding window, so at most
/// `concurrency` objects are held at once whatever the number of objects. Fetch and compaction
/// both read windows this way.
struct DownloadStream: Sendable {
    var store: any ProfileStore
    var cache: DownloadCache?
    var concurrency: Int

    /// `arrived` hears of each transfer as it completes (its index, whether it came from the
    /// cache), in completion order; `handle` gets each object in order, with its bytes or why
    /// they could not be had, and returns whether it wants more.
    func run(
        _ objects: [StoredProfile], arrived: (_ index: Int, _ cached: Bool) throws -> Void = { _, _ in },
        handle: (StoredProfile, Result<DownloadedProfile, Error>) async throws -> Bool
    ) async throws {
        let store = self.store, cache = self.cache
        try await withThrowingTaskGroup(of: (Int, Result<DownloadedProfile, Error>, Bool).self) { group in
            var started = 0
            func start() {
                let index = started, object = objects[index]
                started += 1
                group.addTask {
                    if let cached = cache?.bytes(for: object, store: store.location) { return (index, .success(cached), true) }
                    do {
                        let download = try await store.getWithDigest(object)
                        cache?.store(download.bytes, for: object, store: store.location)
                        return (index, .success(download), false)
                    } catch {
                        return (index, .failure(error), false)
                    }
                }
            }
            while started < min(max(concurrency, 1), objects.count) { start() }
            var waiting: [Int: Result<DownloadedProfile, Error>] = [:]
            var next = 0
            while let (index, result, cached) = try await group.next() {
                try arrived(index, cached)
                waiting[index] = result
                while let result = waiting.removeValue(forKey: next) {
                    try Task.checkCancellation()  // past a deadline
                    let object = objects[next]
                    next += 1
                    guard try await handle(object, result) else {
                        group.cancelAll()
                        return
                    }
                    if started < objects.count { start() }
                }
            }
        }
    }
}
