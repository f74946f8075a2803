/// What a workflow tells its caller while it runs. Workflows return their results; everything
/// else they have to say (warnings, progress, the collection loop's events) goes through one
/// `Diagnostics` sink, which the frontend (the CLI, the agent, a test) turns into output.
public enum Diagnostic: Sendable {
    /// Something the user should know that does not stop the work: a skipped object, a fallback.
    case warning(String)
    /// Downloads so far: objects done of total, and their bytes.
    case progress(done: Int, total: Int, bytes: Int)
    /// A step of the collection loop (`pgo collect`, the agent).
    case collection(CollectionEvent)
}

/// The one sink for diagnostics. It is called from whichever task or thread the workflow runs
/// on, so what it does must be thread-safe.
public struct Diagnostics: Sendable {
    public let emit: @Sendable (Diagnostic) -> Void

    public init(_ emit: @escaping @Sendable (Diagnostic) -> Void) { self.emit = emit }

    /// A sink that drops everything.
    public static let ignored = Diagnostics { _ in }

    public func warn(_ text: String) { emit(.warning(text)) }
}
