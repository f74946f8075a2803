import Foundation
import PGOPipeline
import PGOSystem

extension CommandContext {
    /// The sink the commands hand to workflows: warnings as `warning: ...` lines on standard
    /// error, download progress as a live line on a terminal (a plain line per tenth otherwise).
    /// Collection events go to `collection`, for `pgo collect`.
    func diagnostics(progress: ProgressLine? = nil, collection: (@Sendable (CollectionEvent) -> Void)? = nil) -> Diagnostics {
        let progress = progress ?? ProgressLine(context: self)
        return Diagnostics { diagnostic in
            switch diagnostic {
            case .warning(let text):
                progress.finish()
                warn(text)
            case .progress(let done, let total, let bytes):
                progress.update(done: done, total: total, bytes: bytes)
            case .collection(let event):
                collection?(event)
            }
        }
    }
}

/// Download progress on standard error (ended by `finish` before other output): one live line on a terminal, a plain line per tenth otherwise.
final class ProgressLine: Sendable {
    private let context: CommandContext
    private let live: Bool
    private let state = Locked<(lastTenth: Int, open: Bool)>((-1, false))

    init(context: CommandContext) {
        self.context = context
        self.live = context.errorIsTerminal
    }

    func update(done: Int, total: Int, bytes: Int) {
        let (context, live) = (self.context, self.live)
        state.withLock { state in
            // The text only when it is printed: a large window updates this once per object.
            func text() -> String { "fetching profiles: \(done)/\(total), \(formatBytes(bytes))" }
            if live {
                context.writeError("\r\u{1b}[K" + text())
                state.open = true
            } else {
                let tenth = total == 0 ? 10 : done * 10 / total
                if tenth != state.lastTenth {
                    state.lastTenth = tenth
                    context.writeError(text() + "\n")
                }
            }
        }
    }

    func finish() {
        let context = self.context
        state.withLock { state in
            if state.open { context.writeError("\n") }
            state.open = false
        }
    }
}
