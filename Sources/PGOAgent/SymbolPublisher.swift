import BinaryFormats
import Foundation
import PGOPipeline
import PGOSystem
import ProfileStore

/// Puts the running executable's symbol file into the store's `buildid/` area, so the address-
/// only profiles the agent saves can be symbolized by builds that never have this binary (the
/// next release's builder stage). Once per process: whichever profiler gets there first checks
/// for `buildid/<id>/debuginfo` and uploads `/proc/self/exe` when it is absent.
///
/// It runs beside profiling and never holds it up. A failure is reported and tried again after
/// `retryInterval`; an executable without a build ID or line tables (stripped) is reported once,
/// with what to do instead.
struct SymbolPublisher: Sendable {
    var store: any SymbolStore
    var executable: String
    var retryInterval: TimeInterval
    var clock: WallClock

    /// Executables already published (or found unfit) in this process.
    private static let done = Locked<Set<String>>([])

    /// Publishes, retrying until it is done or the task is cancelled; failures go to `report`.
    /// A stripped executable whose symbols the release step already uploaded is fine: the store
    /// is asked first.
    func run(report: @Sendable (CollectionError) -> Void) async {
        let buildID: String
        do {
            guard let id = try ELFBuildID.read(executable) else { throw SymbolUpload.noBuildID(executable) }
            buildID = id
        } catch {
            reportUnfit(error, report: report)
            return
        }
        while !Task.isCancelled {
            if Self.done.withLock({ $0.contains(buildID) }) { return }
            do {
                if try await store.symbolFile(buildID: buildID, kind: .debuginfo) == nil {
                    do { _ = try SymbolUpload.check(executable) } catch {
                        reportUnfit(error, report: report)
                        return
                    }
                    try await store.uploadSymbolFile(from: executable, buildID: buildID, kind: .debuginfo)
                }
                Self.done.withLock { _ = $0.insert(buildID) }
                return
            } catch is CancellationError {
                return
            } catch {
                report(CollectionError(stage: .symbols, at: clock.now(), message: "\(store.location)/\(SymbolKey.key(prefix: "", buildID: buildID, kind: .debuginfo)): \(error)"))
            }
            do { try await clock.sleep(retryInterval) } catch { return }
        }
    }

    /// An executable without a build ID or line tables, whose symbols are not in the store: said once.
    private func reportUnfit(_ error: any Error, report: (CollectionError) -> Void) {
        guard Self.done.withLock({ $0.insert(executable).inserted }) else { return }
        report(CollectionError(stage: .symbols, at: clock.now(), message: """
            \(error). This process's profiles cannot be symbolized from it: upload the unstripped binary from the \
            release build with 'pgo symbols upload --store URL BINARY', or pass symbols: .none
            """))
    }
}
