import CPGOSampler
import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import PGOAgent
import ProfileStore
import Pprof

/// Burns CPU on its own thread until stopped: the function a profile must find hottest.
final class Spinner: @unchecked Sendable {  // result and threadID: written before the semaphores signal
    private let stopped = Locked(false)
    private let done = DispatchSemaphore(value: 0)
    private(set) var result: UInt64 = 0
    /// The spinning thread's kernel thread ID, as samples carry it.
    private(set) var threadID: UInt32 = 0
    private let started = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            threadID = pgo_current_thread()
            started.signal()
            var value: UInt64 = 1
            while !stopped.value { value = agentTestSpin(value) }
            result = value
            done.signal()
        }
        thread.start()
        started.wait()
    }

    func stop() {
        stopped.set(true)
        done.wait()
    }
}

/// Pure arithmetic, no calls: every sample taken while it runs has it as the leaf.
@inline(never)
func agentTestSpin(_ seed: UInt64) -> UInt64 {
    var x = seed
    for _ in 0..<200_000 { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
    return x
}

/// A store that fails its first `failures` saves, then keeps what it is given.
final class FlakyStore: ProfileStore, Sendable {
    let location = "flaky://test"
    private let state: Locked<(remainingFailures: Int, saved: [(bytes: [UInt8], createdAt: Date)])>

    init(failures: Int) { state = Locked((failures, [])) }

    var savedCount: Int { state.withLock { $0.saved.count } }
    var savedItems: [(bytes: [UInt8], createdAt: Date)] { state.withLock { $0.saved } }

    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        let count = try state.withLock { state throws(StoreError) in
            if state.remainingFailures > 0 {
                state.remainingFailures -= 1
                throw StoreError("injected failure")
            }
            state.saved.append((profile, createdAt))
            return state.saved.count
        }
        return StoredProfile(key: "\(service)/\(count)", service: service, createdAt: createdAt, size: profile.count)
    }
    func list(service: String, window: TimeWindow) async throws -> StoreListing { StoreListing(profiles: []) }
    func get(_ object: StoredProfile) async throws -> [UInt8] { throw StoreError("not kept") }
    func delete(_ object: StoredProfile) async throws {}
}

/// A profile and symbol store whose first `failures` symbol lookups fail and whose uploads wait
/// until released; it records what was uploaded.
final class SymbolRecordingStore: ProfileStore, SymbolStore, Sendable {
    let location = "symbols://test"
    private let state = Locked<(failures: Int, lookups: Int, released: Bool, uploads: [String], size: Int, saved: Int)>((0, 0, false, [], 0, 0))

    init(failures: Int) { state.withLock { $0.failures = failures } }

    var savedCount: Int { state.withLock { $0.saved } }
    var uploads: [String] { state.withLock { $0.uploads } }
    var uploadedSize: Int { state.withLock { $0.size } }
    var lookups: Int { state.withLock { $0.lookups } }
    func releaseUploads() { state.withLock { $0.released = true } }

    func save(_ profile: [UInt8], service: String, createdAt: Date) async throws -> StoredProfile {
        let count = state.withLock { $0.saved += 1; return $0.saved }
        return StoredProfile(key: "\(service)/\(count)", service: service, createdAt: createdAt, size: profile.count)
    }
    func list(service: String, window: TimeWindow) async throws -> StoreListing { StoreListing(profiles: []) }
    func get(_ object: StoredProfile) async throws -> [UInt8] { throw StoreError("not kept") }
    func delete(_ object: StoredProfile) async throws {}

    func symbolFile(buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile? {
        try state.withLock { state throws(StoreError) in
            state.lookups += 1
            if state.failures > 0 {
                state.failures -= 1
                throw StoreError("injected failure")
            }
        }
        return nil
    }
    func uploadSymbolFile(from path: String, buildID: String, kind: SymbolFileKind) async throws -> StoredSymbolFile {
        while !state.withLock({ $0.released }) { try await Task.sleep(for: .milliseconds(20)) }
        let size = try ChunkedFile(path: path).size
        state.withLock { $0.uploads.append(buildID); $0.size = size }
        return StoredSymbolFile(buildID: buildID, kind: kind, key: "buildid/\(buildID)/\(kind.rawValue)", size: size, modified: Date())
    }
    func downloadSymbolFile(_ file: StoredSymbolFile, to path: String) async throws { throw StoreError("not kept") }
    func listSymbolFiles() async throws -> [StoredSymbolFile] { [] }
    func deleteSymbolFile(_ file: StoredSymbolFile) async throws {}
}

/// Waits (polling) until `condition` holds or a generous bound passes; the bound only keeps a
/// broken build from hanging, it is not what the test asserts.
func eventually(_ condition: () -> Bool) async {
    for _ in 0..<600 where !condition() { try? await Task.sleep(for: .milliseconds(50)) }
}

var testExecutable: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
