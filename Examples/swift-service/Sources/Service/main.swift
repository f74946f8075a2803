// A small Swift service: it analyzes batches of access-log lines (its hot path, in LogAnalyzer),
// with the swift-pgo agent profiling it in production and saving CPU profiles to the store.
//
//   PGO_STORE=s3://profiles/prod PGO_SERVICE=service ./Service
//
// Environment: PGO_STORE (no store: no agent), PGO_SERVICE (default "service"),
// PGO_PROFILE_INTERVAL and PGO_PROFILE_DURATION in seconds (default 60 and 10),
// SERVICE_SECONDS (stop after that long; default: run until killed).
import Foundation
import PGOAgent
import ProfileStore

let environment = ProcessInfo.processInfo.environment
func seconds(_ name: String, default fallback: Double) -> Double {
    environment[name].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? fallback
}

var profiling: Task<Void, Never>? = nil
if let url = environment["PGO_STORE"], !url.isEmpty {
    do {
        let profiler = Profiler(
            store: try openStore(url), service: environment["PGO_SERVICE"] ?? "service",
            interval: .milliseconds(Int(seconds("PGO_PROFILE_INTERVAL", default: 60) * 1000)),
            duration: .milliseconds(Int(seconds("PGO_PROFILE_DURATION", default: 10) * 1000)))
        // The agent never stops the service: its failures are logged and it carries on.
        Task { for await error in profiler.errors { FileHandle.standardError.write(Data("pgo agent: \(error)\n".utf8)) } }
        profiling = Task { await profiler.run() }
    } catch {
        FileHandle.standardError.write(Data("pgo agent: not profiling: \(error)\n".utf8))
    }
}

let deadline = environment["SERVICE_SECONDS"].flatMap(Double.init).map { Date().addingTimeInterval($0) }
var analyzer = LogAnalyzer()
var batch = 0
while deadline.map({ Date() < $0 }) ?? true {
    analyzer.analyze(LogBatch.synthetic(seed: UInt64(batch), lines: 2_000))
    batch += 1
    await Task.yield()
}
print(analyzer.report())
profiling?.cancel()
await profiling?.value
