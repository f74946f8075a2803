import CPGOSampler
import Foundation
import PGOPipeline
import PGOSystem

/// The counters of a `-profile-generate` binary, written as a `.profraw` through the LLVM
/// runtime linked into it. The runtime's functions are weak references, so a binary built
/// without instrumentation links and runs, and simply has none.
public enum InstrumentedProfile {
    public static var isAvailable: Bool { pgo_llvm_profile_available() != 0 }

    /// Writes the counters gathered since the last call (or since start) and resets them;
    /// returns the `.profraw` bytes.
    public static func takeCounters() throws -> [UInt8] {
        guard isAvailable else {
            throw CollectionError(stage: .instrumentation, message: "this binary has no LLVM profiling runtime: build it with -profile-generate for instrumented mode")
        }
        let path = NSTemporaryDirectory() + "swift-pgo-\(getpid())-\(UUID().uuidString).profraw"
        defer { unlink(path) }
        guard pgo_llvm_profile_write_and_reset(path) == 0, let data = try? BoundedFile.read(path, limit: Int.max) else {
            throw CollectionError(stage: .instrumentation, message: "the LLVM profiling runtime could not write \(path)")
        }
        return data
    }
}
