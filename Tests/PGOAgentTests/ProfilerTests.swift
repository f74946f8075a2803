import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import Pprof
import ProfileStore
import Testing
@testable import PGOAgent

extension AgentTests {
@Suite struct ProfilerTests {
    @Test func aFailingStoreDoesNotStopTheProfilerAndLosesNothing() async throws {
        let store = FlakyStore(failures: 2)
        let profiler = Profiler(store: store, service: "api", interval: .milliseconds(300), duration: .milliseconds(100))
        let errors = ErrorLog(profiler)
        let task = Task { await profiler.run() }
        await eventually { store.savedCount >= 3 }
        task.cancel()
        await task.value
        #expect(store.savedCount >= 3)
        let saveErrors = errors.all.filter { $0.stage == .save }
        #expect(saveErrors.count == 2)
        #expect(saveErrors.allSatisfy { $0.message.contains("injected failure") && $0.message.contains("flaky://test") })
        // The profiles the store refused were kept and saved later, oldest first.
        let times = store.savedItems.map(\.createdAt)
        #expect(times == times.sorted())
        for item in store.savedItems { _ = try Profile(serialized: item.bytes) }
    }

    @Test func cancellationStopsEverything() async throws {
        let store = FlakyStore(failures: 0)
        let profiler = Profiler(store: store, service: "api", interval: .seconds(3600), duration: .seconds(3600))
        let task = Task { await profiler.run() }
        // Cancel while a capture is running (the sampler is armed).
        await eventually { CPUSamplerState.isRunning }
        #expect(CPUSamplerState.isRunning)
        task.cancel()
        await task.value
        #expect(!CPUSamplerState.isRunning)
        #expect(store.savedCount == 0)  // a cancelled capture is not a profile
        // The sampler is free again.
        let profile = try await CPUProfile.capture(duration: .milliseconds(50), frequency: 100)
        try profile.validate()
    }

    @Test func instrumentedModeReportsAMissingRuntimeAndKeepsGoing() async throws {
        #expect(!InstrumentedProfile.isAvailable)  // this test binary is not built with -profile-generate
        let error = try #require(throws: CollectionError.self) { try InstrumentedProfile.takeCounters() }
        #expect(error.stage == .instrumentation)
        #expect(error.message.contains("-profile-generate"))

        let store = FlakyStore(failures: 0)
        let profiler = Profiler(store: store, service: "api", interval: .milliseconds(50), duration: .milliseconds(10), mode: .instrumented)
        let errors = ErrorLog(profiler)
        let task = Task { await profiler.run() }
        await eventually { errors.all.count >= 2 }
        task.cancel()
        await task.value
        #expect(errors.all.count >= 2)  // reported every round, and the loop went on
        #expect(errors.all.allSatisfy { $0.stage == .instrumentation })
        #expect(store.savedCount == 0)
    }

    /// The agent publishes this executable's symbols beside profiling: a symbol upload that hangs
    /// holds up no profile, and one that fails is reported and tried again at the next interval.
    @Test func symbolsAreUploadedOnceBesideProfilingAndRetried() async throws {
        let store = SymbolRecordingStore(failures: 2)
        let profiler = Profiler(store: store, service: "api", interval: .milliseconds(200), duration: .milliseconds(50))
        let errors = ErrorLog(profiler)
        let task = Task { await profiler.run() }
        // Profiles are saved while the upload is held up.
        await eventually { store.savedCount >= 2 }
        #expect(store.savedCount >= 2)
        #expect(store.uploads.isEmpty)
        store.releaseUploads()
        await eventually { store.uploads.count == 1 }
        task.cancel()
        await task.value
        let buildID = try #require(try ELFBuildID.read("/proc/self/exe"))
        #expect(store.uploads == [buildID], "once, by this executable's build ID")
        #expect(store.uploadedSize == (try ChunkedFile(path: "/proc/self/exe").size), "the whole executable")
        let symbolErrors = errors.all.filter { $0.stage == .symbols }
        #expect(symbolErrors.count == 2, "\(errors.all)")
        #expect(symbolErrors.allSatisfy { $0.description.contains("cannot upload symbols") && $0.message.contains("injected failure") })

        // Once per process: another profiler of this process does not upload again.
        let second = Profiler(store: store, service: "api", interval: .milliseconds(100), duration: .milliseconds(20))
        let secondTask = Task { await second.run() }
        let before = store.savedCount
        await eventually { store.savedCount >= before + 1 }
        secondTask.cancel()
        await secondTask.value
        #expect(store.uploads.count == 1)
        #expect(store.lookups == 3, "two failed lookups and the one that led to the upload")
    }

    @Test func intervalIsRaisedToTheDuration() {
        let profiler = Profiler(store: FlakyStore(failures: 0), service: "api", interval: .seconds(1), duration: .seconds(5))
        #expect(profiler.interval == .seconds(5))
    }
}

}

/// Collects a profiler's errors as they arrive.
final class ErrorLog: Sendable {
    private let errors = Locked<[CollectionError]>([])
    init(_ profiler: Profiler) {
        Task { for await error in profiler.errors { self.errors.withLock { $0.append(error) } } }
    }
    var all: [CollectionError] { errors.value }
}
