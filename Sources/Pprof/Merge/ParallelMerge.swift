import Foundation
import Synchronization

/// A named profile to merge, read only when a worker gets to it, so that no more than one
/// input per worker is in memory at a time.
public struct ProfileSource: Sendable {
    public var name: String
    public var limits: DecodingLimits
    /// The serialized profile (gzip or not).
    public var read: @Sendable () throws(InputError) -> [UInt8]

    public init(name: String, limits: DecodingLimits = .default, read: @escaping @Sendable () throws(InputError) -> [UInt8]) {
        self.name = name
        self.limits = limits
        self.read = read
    }
}

/// The outcome of merging many inputs.
public struct MergeReport: Sendable {
    public var profile: Profile
    /// Inputs left out because they could not be read (only with `skipInvalid`).
    public var skipped: [InputError]
    /// Inputs merged.
    public var mergedCount: Int
    /// The inputs' main binaries (see `ProfileMerger.mainBinaries`).
    public var mainBinaries: Set<BinaryIdentity>
}

/// Merging failed. Every bad input is listed, not just the first.
public struct MergeInputsError: Error, Sendable, CustomStringConvertible {
    public var problems: [InputError]
    public var description: String {
        let noun = problems.count == 1 ? "input" : "inputs"
        return "\(problems.count) \(noun) could not be merged:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// Merges `sources` on `workers` threads, each streaming its share into its own
/// ``ProfileMerger``; the mergers are combined at the end. The result does not depend on the
/// order of `sources` or on how they were shared out.
///
/// Unreadable inputs fail the merge, all of them reported, unless `skipInvalid` is set; then
/// each is left out and listed in the report's `skipped`. Inputs that cannot be merged with the
/// others (different sample types) always fail it.
public func mergeProfiles(
    _ sources: [ProfileSource], options: MergeOptions = MergeOptions(), skipInvalid: Bool = false, workers: Int
) throws(MergeInputsError) -> MergeReport {
    let workerCount = max(1, min(workers, sources.count))
    let results = WorkerResults(count: workerCount)
    DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
        var merger = ProfileMerger(options: options)
        var unreadable: [(Int, InputError)] = []
        var incompatible: [(Int, InputError)] = []
        for index in stride(from: worker, to: sources.count, by: workerCount) {
            let source = sources[index]
            do throws(InputError) {
                let bytes = try source.read()
                do throws(SerializedMergeError) { try merger.add(serialized: bytes, source: source.name, limits: source.limits) } catch {
                    switch error {
                    case .decoding(let problem): unreadable.append((index, InputError(source: source.name, problem: problem.description)))
                    case .merge(let problem): incompatible.append((index, InputError(source: source.name, problem: problem.problem)))
                    }
                }
            } catch {
                unreadable.append((index, error))
            }
        }
        results.store(worker, WorkerResult(merger: merger, unreadable: unreadable, incompatible: incompatible))
    }

    let all = results.collected()
    let unreadable = all.flatMap(\.unreadable).sorted { $0.0 < $1.0 }.map(\.1)
    var fatal = all.flatMap(\.incompatible).sorted { $0.0 < $1.0 }.map(\.1)
    if !skipInvalid { fatal = unreadable + fatal }
    var merger = all[0].merger
    for other in all.dropFirst() {
        do { try merger.absorb(other.merger) } catch {
            fatal.append(InputError(source: error.source, problem: error.problem))
        }
    }
    guard fatal.isEmpty else { throw MergeInputsError(problems: fatal) }
    return MergeReport(profile: merger.finish(), skipped: skipInvalid ? unreadable : [], mergedCount: merger.inputCount, mainBinaries: merger.mainBinaries)
}

private struct WorkerResult: Sendable {
    var merger: ProfileMerger
    var unreadable: [(Int, InputError)]
    var incompatible: [(Int, InputError)]
}

/// Each worker's result, in its own slot.
private final class WorkerResults: Sendable {
    private let slots: Mutex<[WorkerResult?]>
    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }
    func store(_ index: Int, _ result: WorkerResult) { slots.withLock { $0[index] = result } }
    func collected() -> [WorkerResult] { slots.withLock { $0.map { $0! } } }
}
