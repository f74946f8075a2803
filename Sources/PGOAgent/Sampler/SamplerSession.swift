import CPGOSampler
import Foundation
import PGOPipeline
import PGOSystem

/// One run of the process-wide SIGPROF sampler (there can be only one: SIGPROF and
/// ITIMER_PROF are per process), with a drain thread that moves finished samples out of the
/// signal path's fixed slots into a stack table, every 20 milliseconds.
final class SamplerSession: Sendable {
    /// Whether a session is running in this process.
    private static let active = Locked(false)

    /// What the drain thread has gathered, and whether it is asked to stop.
    private struct Gathered {
        var stacks: [SampledStack: Int] = [:]
        var overflowed = 0
        var stopping = false
    }
    private let gathered = Locked(Gathered())
    private let maximumStacks: Int
    private let byThread: Bool
    private let finished = DispatchSemaphore(value: 0)

    /// Starts sampling at `frequency` Hz into `slots` slots; at most `maximumStacks` distinct
    /// stacks are kept (samples of further stacks are counted as dropped), so memory is bounded.
    /// `byThread` keeps each thread's stacks apart (for a thread label); otherwise threads merge.
    init(frequency: Int, slots: Int, maximumStacks: Int, byThread: Bool = false) throws {
        try Self.active.withLock { (active: inout Bool) throws(CollectionError) in
            guard !active else { throw CollectionError(stage: .capture, message: "a CPU profile is already being taken in this process") }
            var message = [CChar](repeating: 0, count: 256)
            guard pgo_sampler_start(Int32(frequency), slots, &message, message.count) == 0 else {
                let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw CollectionError(stage: .capture, message: "cannot start the CPU sampler: \(text)")
            }
            active = true
        }
        self.maximumStacks = maximumStacks
        self.byThread = byThread
        let thread = Thread { [self] in drainLoop() }
        thread.name = "swift-pgo sampler drain"
        thread.start()
    }

    private func drainLoop() {
        var buffer = [pgo_sample](repeating: pgo_sample(), count: 256)
        while !gathered.withLock({ $0.stopping }) {
            drain(into: &buffer)
            usleep(20_000)  // 4,096 slots hold 40 s at 100 Hz: draining is for freshness, not room
        }
        finished.signal()
    }

    private func drain(into buffer: inout [pgo_sample]) {
        while true {
            let count = buffer.withUnsafeMutableBufferPointer { pgo_sampler_drain($0.baseAddress, $0.count) }
            guard count > 0 else { return }
            let samples = (0..<count).map { SampledStack(thread: byThread ? buffer[$0].thread : 0, frames: Self.frames(of: buffer[$0])) }
            let maximumStacks = self.maximumStacks
            gathered.withLock { gathered in
                for stack in samples {
                    if gathered.stacks[stack] != nil || gathered.stacks.count < maximumStacks {
                        gathered.stacks[stack, default: 0] += 1
                    } else {
                        gathered.overflowed += 1
                    }
                }
            }
        }
    }

    private static func frames(of sample: pgo_sample) -> [UInt64] {
        withUnsafeBytes(of: sample.frames) { raw in
            Array(raw.bindMemory(to: UInt64.self).prefix(Int(min(sample.depth, UInt32(PGO_SAMPLER_MAX_FRAMES)))))
        }
    }

    /// Stops sampling, takes the last samples, and frees the sampler for the next session.
    func finish() -> (stacks: [SampledStack: Int], taken: UInt64, dropped: UInt64) {
        pgo_sampler_stop()
        gathered.withLock { $0.stopping = true }
        finished.wait()
        var buffer = [pgo_sample](repeating: pgo_sample(), count: 256)
        drain(into: &buffer)
        let taken = pgo_sampler_taken(), dropped = pgo_sampler_dropped()
        pgo_sampler_release()
        Self.active.set(false)
        let result = gathered.value
        return (result.stacks, taken, dropped + UInt64(result.overflowed))
    }
}

/// One distinct stack: its frames (the interrupted PC, then return addresses) and, when threads
/// are kept apart, the kernel thread ID (else 0).
struct SampledStack: Hashable, Sendable {
    var thread: UInt32
    var frames: [UInt64]
}

/// Whether the process-wide sampler is armed (for tests and diagnostics).
public enum CPUSamplerState {
    public static var isRunning: Bool { pgo_sampler_running() != 0 }
}
