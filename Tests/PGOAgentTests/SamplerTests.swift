import CPGOSampler
import Foundation
import BinaryFormats
import PGOPipeline
import PGOSystem
import TestSupport
import LLVMProfile
import Pprof
import Testing
@testable import PGOAgent

/// The sampler is one process-wide resource (SIGPROF, ITIMER_PROF): every test that uses it
/// lives in this suite, which runs them one at a time.
@Suite(.serialized) enum AgentTests {}

extension AgentTests {
@Suite struct SamplerTests {
    @Test func theSpinningFunctionIsTheHottestInTheConvertedProfile() async throws {
        let spinner = Spinner()
        // Other tests run in this process at the same time, and ITIMER_PROF samples the whole
        // process: keep threads apart and look at the spinner's.
        let whole = try await CPUProfile.capture(duration: .milliseconds(1500), frequency: 250, labelThreads: true)
        spinner.stop()
        try whole.validate()
        let threadKey = try #require(whole.stringTable.firstIndex(of: "thread"))
        #expect(whole.samples.allSatisfy { $0.labels.count == 1 && $0.labels[0].key == threadKey })
        var profile = whole
        profile.samples = whole.samples.filter { $0.labels.first?.num == Int64(spinner.threadID) }
        try profile.validate()
        #expect(profile.samples.count > 0)
        let taken = profile.sampleTotals()[0]
        #expect(taken > 0)

        // The executable's mapping comes first, with its build ID; locations carry addresses.
        let executable = testExecutable
        let first = try #require(profile.mappings.first)
        #expect(profile.string(first.filename) == executable)
        #expect(profile.string(first.buildID) == (try ELFFile(path: executable, readingSymbols: false).buildID ?? "none"))
        #expect(profile.locations.allSatisfy { $0.address != 0 })
        // Names from the symbol table: the spinner's mangled name is there before any symbolization.
        #expect(profile.functions.contains { profile.string($0.name).contains("13agentTestSpin") })

        // pgo convert --binary: symbolize against the exact binary, then the hottest function.
        var report = ConversionReport()
        let (sampleProfile, symbols) = try await SampleProfileWorkflow.convert(
            profile, profiled: Set(profile.mainBinary.map { [$0] } ?? []), sources: SymbolSources(binaries: [executable]), toolchain: testToolchain,
            strict: true, diagnostics: .ignored, report: &report)
        #expect(symbols.builds.first { $0.profiled }?.symbols?.source == "binary")
        // A caller's body samples at a call line repeat its callee's, so "hottest" is by self
        // samples: those at lines that make no call.
        func selfSamples(_ function: FunctionSamples) -> UInt64 {
            function.bodySamples.filter { function.callTargets[$0.key] == nil }.values.reduce(0, +)
        }
        let hottest = try #require(sampleProfile.functions.values.max { selfSamples($0) < selfSamples($1) })
        #expect(selfSamples(hottest) > 0)
        #expect(hottest.name.contains("13agentTestSpin"), "hottest: \(hottest.name)")
        _ = try sampleProfile.checkedBytes(format: .text, toolchain: testToolchain)
    }

    /// /proc/self/maps is read to its end: with hundreds of mappings (Foundation reads only its
    /// first 4 KiB), the libraries past the start, libswiftCore among them, are still found.
    @Test func everyMappingIsReadHoweverLongTheMapsFileIs() throws {
        var regions: [(UnsafeMutableRawPointer, Int)] = []
        defer { for (pointer, size) in regions { munmap(pointer, size) } }
        for i in 0..<600 {
            let size = 4096 * (i % 3 + 1)
            let pointer = try #require(mmap(nil, size, PROT_READ | (i % 2 == 0 ? PROT_WRITE : 0), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
            regions.append((pointer, size))
        }
        let text = try String(decoding: FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps")).readToEnd() ?? Data(), as: UTF8.self)
        #expect(text.utf8.count > 16_384, "a maps file longer than a few pages")
        let expected = text.split(separator: "\n").filter { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first?.contains("x") == true && $0.contains(" /") }
        let mappings = ProcessMapping.current()
        #expect(mappings.count == expected.count, "\(mappings.count) of \(expected.count) executable file mappings")
        #expect(mappings.contains { $0.path.hasSuffix("/libswiftCore.so") }, "\(mappings.map(\.path))")
    }

    @Test func blockingCallsSurviveSIGPROF() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let session = try SamplerSession(frequency: 1000, slots: 256, maximumStacks: 1000)
        defer { _ = session.finish() }

        final class Reader: @unchecked Sendable {
            var thread: pthread_t?
            var threadID: pid_t = 0
            var result = -2
            var error: Int32 = 0
            let started = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
        }
        let reader = Reader()
        let readFD = fds[0]
        let thread = Thread {
            reader.thread = pthread_self()
            // The kernel thread ID: /proc/thread-self links to PID/task/TID.
            reader.threadID = pid_t((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"))?.split(separator: "/").last ?? "") ?? 0
            reader.started.signal()
            var buffer = [UInt8](repeating: 0, count: 16)
            reader.result = read(readFD, &buffer, 16)
            reader.error = errno
            reader.finished.signal()
        }
        thread.start()
        reader.started.wait()
        // Handshake: the kernel says the reader is blocked in read(2) before the signals start.
        try #require(waitUntilBlockedInRead(reader.threadID), "the reader thread never blocked in read()")
        // Interrupt the blocked read again and again with the sampler's own signal.
        for _ in 0..<200 {
            pthread_kill(reader.thread!, SIGPROF)
            usleep(500)
        }
        #expect(reader.result == -2, "read() returned before any data was written")
        let message: [UInt8] = Array("hello".utf8)
        #expect(write(fds[1], message, message.count) == message.count)
        reader.finished.wait()
        #expect(reader.result == 5, "read() failed with errno \(reader.error) (EINTR is \(EINTR))")
    }

    @Test func droppedSamplesAreCountedInTheComments() async throws {
        let spinner = Spinner()
        // One slot and room for one distinct stack: everything else is dropped and counted.
        let profile = try await CPUProfile.capture(duration: .milliseconds(800), frequency: 1000, slots: 1, maximumStacks: 1)
        spinner.stop()
        let comments = profile.comments.map { profile.string($0) }
        let dropped = try #require(comments.first { $0.hasPrefix("dropped ") })
        let count = try #require(Int(dropped.split(separator: " ")[1]))
        #expect(count > 0)
        #expect(profile.samples.count == 1)
        let taken = try #require(comments.first { $0.hasPrefix("samples taken: ") }.flatMap { Int($0.dropFirst("samples taken: ".count)) })
        #expect(Int(profile.sampleTotals()[0]) + count == taken)
    }

    @Test func oneCaptureAtATimeAndAnotherSIGPROFUserIsRefused() async throws {
        let first = try SamplerSession(frequency: 100, slots: 16, maximumStacks: 16)
        #expect(throws: CollectionError.self) { try SamplerSession(frequency: 100, slots: 16, maximumStacks: 16) }
        _ = first.finish()

        // Someone else's SIGPROF handler: the sampler does not take it over.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        var previous = sigaction()
        sigaction(SIGPROF, &action, &previous)
        defer { sigaction(SIGPROF, &previous, nil) }
        let error = try #require(throws: CollectionError.self) { try SamplerSession(frequency: 100, slots: 16, maximumStacks: 16) }
        #expect(error.message.contains("another SIGPROF handler"))
    }

    @Test func finishingDisarmsTheTimerAndRestoresTheDisposition() throws {
        let session = try SamplerSession(frequency: 100, slots: 16, maximumStacks: 16)
        #expect(pgo_sampler_running() == 1)
        _ = session.finish()
        #expect(pgo_sampler_running() == 0)
        var timer = itimerval()
        getitimer(__itimer_which_t(ITIMER_PROF.rawValue), &timer)
        #expect(timer.it_interval.tv_usec == 0 && timer.it_interval.tv_sec == 0 && timer.it_value.tv_usec == 0 && timer.it_value.tv_sec == 0)
        var current = sigaction()
        sigaction(SIGPROF, nil, &current)
        #expect(current.__sigaction_handler.sa_handler == nil)  // SIG_DFL
    }
}
}

/// Waits until the kernel reports thread `id` of this process blocked in the read(2) system
/// call (`/proc/self/task/ID/syscall` starts with read's number while it sleeps in it): what the
/// thread is doing, observed, rather than a sleep that hopes it got there. False after 10 s.
func waitUntilBlockedInRead(_ id: pid_t) -> Bool {
    #if arch(x86_64)
    let read = "0"
    #elseif arch(arm64)
    let read = "63"
    #endif
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        let syscall = (try? String(contentsOfFile: "/proc/self/task/\(id)/syscall", encoding: .utf8)) ?? ""
        let state = (try? String(contentsOfFile: "/proc/self/task/\(id)/stat", encoding: .utf8))
            .flatMap { $0.split(separator: ")").last?.split(separator: " ").first } ?? ""
        if syscall.split(separator: " ").first == Substring(read), state == "S" { return true }
        sched_yield()
    }
    return false
}
