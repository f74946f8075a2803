import Foundation
import LLVMProfile
import Pprof
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
        var uploads: [(file: String, bytes: [UInt8], time: Date)] = []
        var problems: [String] = []
        for file in try context.expandInputs(arguments.positionals) {
            do {
                let path = context.resolve(file)
                let bytes = try ProfileFile.readBytes(path)
                let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
                switch ProfileKind(detecting: bytes) {
                case .pprof:
                    let profile: Profile
                    do { profile = try Profile(serialized: bytes) } catch { throw InputError(source: file, problem: error.description) }
                    let time = at ?? (profile.timeNanos > 0 ? Date(timeIntervalSince1970: Double(profile.timeNanos) / 1e9) : modified)
                    uploads.append((file, Gzip.compressedIfNeeded(bytes), time))
                case .llvmRaw:
                    do { _ = try RawProfileLayout(parsing: bytes, source: file) } catch let error as RawProfileLayout.Error {
                        throw InputError(source: file, problem: error.problem)
                    }
                    uploads.append((file, bytes, at ?? modified))
                case .llvmIndexed:
                    uploads.append((file, bytes, at ?? modified))
                }
            } catch let error as InputError {
                problems.append("  \(file): \(error.problem)")
            } catch {
                problems.append("  \(file): \(error)")
            }
        }
        guard problems.isEmpty else {
            throw CommandFailure("not uploading: \(problems.count) of \(uploads.count + problems.count) files are not valid profiles:\n" + problems.joined(separator: "\n"))
        }
        let stored = try await boundedMap(uploads, concurrency: jobs) { upload in
            try await store.save(upload.bytes, service: service, createdAt: upload.time)
        }
        for (upload, object) in zip(uploads, stored) {
            context.print("\(upload.file) -> \(object.key) (\(object.size) bytes, \(formatTimestamp(object.createdAt)))\n")
        }
        context.writeError("uploaded \(stored.count) profiles to \(store.location)\n")
    }
}
