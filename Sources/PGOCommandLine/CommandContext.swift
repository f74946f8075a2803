import Foundation

/// Where a command's output goes. The real tool writes to the process's streams; tests capture.
public struct CommandContext: Sendable {
    public var writeOutput: @Sendable ([UInt8]) -> Void
    public var writeError: @Sendable (String) -> Void
    public var outputIsTerminal: Bool
    /// Whether standard error is a terminal, where progress can be a live line.
    public var errorIsTerminal: Bool
    /// Directory that relative paths are resolved against.
    public var workingDirectory: String
    /// Environment variables (AWS credentials, region, endpoint), passed in so tests need not
    /// change the process's own.
    public var environment: [String: String]

    public init(
        writeOutput: @escaping @Sendable ([UInt8]) -> Void, writeError: @escaping @Sendable (String) -> Void,
        outputIsTerminal: Bool = false, errorIsTerminal: Bool = false, workingDirectory: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.environment = environment
        self.writeOutput = writeOutput
        self.writeError = writeError
        self.outputIsTerminal = outputIsTerminal
        self.errorIsTerminal = errorIsTerminal
        self.workingDirectory = workingDirectory
    }

    public func print(_ text: String) { writeOutput(Array(text.utf8)) }
    public func warn(_ text: String) { writeError("warning: \(text)\n") }

    /// The process's own standard output and error.
    public static var standard: CommandContext {
        CommandContext(
            writeOutput: { bytes in FileHandle.standardOutput.write(Data(bytes)) },
            writeError: { text in FileHandle.standardError.write(Data(text.utf8)) },
            outputIsTerminal: isatty(STDOUT_FILENO) == 1, errorIsTerminal: isatty(STDERR_FILENO) == 1)
    }
}

/// A failure the command reports as `error: ...` with exit status 1.
public struct CommandError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A `pgo` subcommand.
public protocol Command: Sendable {
    static var spec: CommandSpec { get }
    /// Runs with parsed arguments. Throws `UsageError` (exit 2) or any other error (exit 1).
    static func run(_ arguments: ParsedArguments, context: CommandContext) async throws
}

/// "1 profile", "2 profiles": a count with its noun (plural by an s).
func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
