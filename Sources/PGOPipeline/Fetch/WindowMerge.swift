import BinaryFormats
import Foundation
import Pprof
import ProfileStore

/// A window's profiles merged as they arrive, decoded and merged on `workers` mergers at once
/// in batches: memory holds one batch of downloaded bytes and one decoded profile per worker,
/// whatever the window's size. The mergers are folded together at the end; merging does not
/// depend on order, and every merger refuses what the first profile's types rule out, so the
/// result is the one a single merger taking the profiles in order would give.
struct WindowMerge {
    /// One merger per worker, each in a box, so that a batch's task mutates it in place: a merger
    /// handed to a task by value would be copied, whole, at its first mutation in every batch.
    /// A box is touched by one batch's task at a time (the next batch starts only after `drain`).
    private final class MergerBox: @unchecked Sendable {
        var merger = ProfileMerger()
    }
    private let boxes: [MergerBox]
    /// The first worker's merger, which takes the profiles that fix the types.
    private var first: ProfileMerger {
        get { boxes[0].merger }
        nonmutating _modify { yield &boxes[0].merger }
    }
    private var typesFixed = false
    private var batch: [(object: StoredProfile, download: DownloadedProfile, mainBinaries: Set<BinaryIdentity>?)] = []
    private let batchSize: Int

    private enum Outcome: Sendable {
        case merged(FetchManifest.Object)
        case failed(Problem)
    }

    /// An object that could not be merged, and why (the text names the object).
    struct Problem: Sendable, CustomStringConvertible {
        var key: String
        var description: String
    }
    /// The manifest entries of the profiles merged, in the order they were given.
    private(set) var used: [FetchManifest.Object] = []

    /// `used`, handed over without a copy (a window's entries are a fetch's largest bookkeeping).
    mutating func takeUsed() -> [FetchManifest.Object] {
        defer { used = [] }
        return used
    }

    init(workers: Int, batchSize: Int = 32) {
        boxes = (0..<max(workers, 1)).map { _ in MergerBox() }
        self.batchSize = max(batchSize, 1)
    }

    /// Takes one downloaded object; merges once a batch is full. Returns why objects could not
    /// be merged, in order. `mainBinaries`: a rollup's, from its record.
    mutating func add(_ object: StoredProfile, _ download: DownloadedProfile, mainBinaries: Set<BinaryIdentity>? = nil) async -> [Problem] {
        guard typesFixed else {
            // Until a profile with samples fixes the types, profiles go in one at a time, in order.
            do {
                let profile = try Profile(serialized: download.bytes)
                try first.add(profile, source: object.key, mainBinaries: mainBinaries)
                used.append(Self.entry(object, download))
                if !(profile.samples.isEmpty && profile.sampleTypes.isEmpty) {
                    for box in boxes.dropFirst() { box.merger.requireTypes(of: profile, source: object.key) }
                    typesFixed = true
                }
                return []
            } catch {
                return [Self.problem(object, error)]
            }
        }
        batch.append((object, download, mainBinaries))
        return batch.count >= batchSize ? await flush() : []
    }

    /// A batch being merged while the next one downloads.
    private var running: Task<[(Int, Outcome)], Never>? = nil
    private var runningCount = 0

    /// Profiles handed over whose merge has not finished.
    var unfinished: Int { batch.count + runningCount }

    /// Starts merging what is waiting, each worker its share, and returns the outcome of the
    /// batch before it (downloads go on while a batch merges).
    mutating func flush() async -> [Problem] {
        let problems = await drain()
        guard !batch.isEmpty else { return problems }
        let items = batch
        batch = []
        let workers = boxes.prefix(min(boxes.count, items.count))
        runningCount = items.count
        running = Task {
            await withTaskGroup(of: [(Int, Outcome)].self) { group in
                for (worker, box) in workers.enumerated() {
                    group.addTask {
                        var outcomes: [(Int, Outcome)] = []
                        for index in stride(from: worker, to: items.count, by: workers.count) {
                            let (object, download, mainBinaries) = items[index]
                            do {
                                try box.merger.add(serialized: download.bytes, source: object.key, mainBinaries: mainBinaries)
                                outcomes.append((index, .merged(Self.entry(object, download))))
                            } catch {
                                outcomes.append((index, .failed(Self.problem(object, error))))
                            }
                        }
                        return outcomes
                    }
                }
                var outcomes: [(Int, Outcome)] = []
                for await done in group { outcomes += done }
                return outcomes
            }
        }
        return problems
    }

    /// Waits for the batch being merged; returns why its objects could not be merged, in order.
    mutating func drain() async -> [Problem] {
        guard let running else { return [] }
        let outcomes = await running.value
        self.running = nil
        runningCount = 0
        var problems: [Problem] = []
        for (_, outcome) in outcomes.sorted(by: { $0.0 < $1.0 }) {
            switch outcome {
            case .merged(let entry): used.append(entry)
            case .failed(let problem): problems.append(problem)
            }
        }
        return problems
    }

    /// The merged profile and the main binaries of its inputs (call after `flush` and `drain`).
    func finish() throws -> (Profile, mainBinaries: Set<BinaryIdentity>) {
        var merger = boxes[0].merger
        for box in boxes.dropFirst() { try merger.absorb(box.merger) }
        return (merger.finish(), merger.mainBinaries)
    }

    static func entry(_ object: StoredProfile, _ download: DownloadedProfile) -> FetchManifest.Object {
        .init(key: object.key, time: formatTimestamp(object.createdAt), size: download.bytes.count, sha256: hexString(download.sha256), etag: object.etag)
    }

    /// A merge error names its input; any other names the object here.
    private static func problem(_ object: StoredProfile, _ error: any Error) -> Problem {
        let isMerge = if let error = error as? SerializedMergeError, case .merge = error { true } else { error is MergeError }
        return Problem(key: object.key, description: isMerge ? "\(error)" : "\(object.key): \(error)")
    }
}
