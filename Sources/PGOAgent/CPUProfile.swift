import Foundation
import PGOSystem
import Pprof

/// One CPU profile of this process, taken in-process: SIGPROF on CPU time at `frequency` Hz,
/// frame-pointer stacks, aggregated away from the signal handler.
public enum CPUProfile {
    /// Samples the process for `duration` and returns a pprof profile with addresses, mappings
    /// (with ELF build IDs) and the main executable's function names. Throws `CollectionError`
    /// when the sampler cannot start (another capture or another SIGPROF user), or
    /// `CancellationError` (after stopping the sampler) when the task is cancelled.
    /// `labelThreads` keeps threads apart, each sample with a numeric `thread` label (the kernel
    /// thread ID); off by default, as PGO does not use it and it multiplies the stacks.
    public static func capture(
        duration: Duration, frequency: Int = 100, slots: Int = 4096, maximumStacks: Int = 20_000, labelThreads: Bool = false
    ) async throws -> Profile {
        let start = Date()
        let clock = ContinuousClock()
        let began = clock.now
        let session = try SamplerSession(frequency: frequency, slots: slots, maximumStacks: maximumStacks, byThread: labelThreads)
        let slept: Result<Void, Error> = await Result { try await Task.sleep(for: duration) }
        let (stacks, taken, dropped) = session.finish()
        if case .failure = slept { throw CancellationError() }
        let builder = AgentProfileBuilder(
            frequency: frequency, start: start, duration: clock.now - began, mappings: ProcessMapping.current(),
            executable: FileInfo.symbolicLinkDestination("/proc/self/exe"))
        return builder.build(stacks: stacks, taken: taken, dropped: dropped)
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
