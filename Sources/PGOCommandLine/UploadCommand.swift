import Foundation
import PGOPipeline
import ProfileStore

/// `pgo upload`: validated profiles into a store.
public enum UploadCommand: Command {
    public static let spec = CommandSpec(
        name: "upload",
        summary: "Upload pprof profiles (or .profraw/.profdata) to a store, after checking that each one is valid.",
        positionals: "FILE...",
        options: StoreArguments.options + [
            OptionSpec(["--at"], value: "TIME", help: "The profiles' time (default: a pprof profile's own time_nanos, else the file's modification time)."),
            OptionSpec(["-j", "--jobs"], value: "N", help: "Uploads at once (default 8)."),
        ],
        discussion: """
            Every file is read and validated first; if any is not a valid profile, nothing is uploaded.
            Raw (uncompressed) pprof profiles are gzip-compressed before upload. LLVM instrumentation profiles
            (.profraw written by -profile-generate binaries, .profdata) are told apart by content and stored as
            they are, for pgo fetch --llvm. Uploading the same profile again writes the same key: no duplicate.

            \(StoreArguments.windowHelp)

            Example:
              pgo upload --store s3://profiles/prod --service api cpu-*.pb.gz
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        let service = try StoreArguments.service(arguments)
        guard !arguments.positionals.isEmpty else { throw UsageError("no profiles given") }
        let at = try StoreArguments.time(arguments, "--at")
        let jobs = try arguments.integer("--jobs", default: 8, range: 1...64)
        let store = try StoreArguments.open(arguments, context: context)

        // Check everything before sending anything.
        let files = try context.expandInputs(arguments.positionals).map { (source: $0, path: context.resolve($0)) }
        let uploads = try Upload.prepare(files, at: at)
        for warning in uploads.compactMap(\.warning) { context.warn(warning) }
        let stored = try await Upload.save(uploads, to: store, service: service, concurrency: jobs)
        for (upload, object) in zip(uploads, stored) {
            context.print("\(upload.source) -> \(object.key) (\(object.size) bytes, \(formatTimestamp(object.createdAt)))\n")
        }
        context.writeError("uploaded \(counted(stored.count, "profile")) to \(store.location)\n")
    }
}
