import BinaryFormats
import Foundation
import LLVMProfile
import PGOSystem
import Pprof
import ProfileStore

/// A file checked and ready to upload: what `pgo upload` sends, and when it is stored.
public struct PreparedUpload: Sendable {
    /// The file as the user named it, for messages.
    public var source: String
    /// What is stored: gzip pprof, or LLVM instrumentation profiles as they are.
    public var bytes: [UInt8]
    public var kind: ProfileKind
    public var createdAt: Date
    /// What the uploader should hear about a valid file: a pprof profile with no samples adds
    /// nothing to any build's profile.
    public var warning: String? = nil
}

/// Uploads: everything is checked before anything is sent.
public enum Upload {
    /// Reads and checks each file (`path` is where to read it, `source` its name for messages).
    /// pprof profiles are validated and gzip-compressed, `.profraw` files parsed; the time is
    /// `at`, else a pprof profile's own `time_nanos`, else the file's modification time. If any
    /// file is not a valid profile, nothing is returned and the error lists every bad one.
    public static func prepare(_ files: [(source: String, path: String)], at: Date?) throws(UploadError) -> [PreparedUpload] {
        var uploads: [PreparedUpload] = []
        var problems: [InputError] = []
        for file in files {
            do throws(InputError) {
                uploads.append(try prepare(file.source, path: file.path, at: at))
            } catch {
                problems.append(error)
            }
        }
        guard problems.isEmpty else { throw UploadError(problems: problems, total: files.count) }
        return uploads
    }

    static func prepare(_ source: String, path: String, at: Date?) throws(InputError) -> PreparedUpload {
        let upload = try read(source, path: path, at: at)
        guard TimeWindow.isKeyTime(upload.createdAt) else {
            throw InputError(
                source: source,
                problem: "its time \(formatTimestamp(upload.createdAt)) is outside what a store holds (\(formatTimestamp(TimeWindow.all.from)) to \(formatTimestamp(TimeWindow.all.to))); give --at")
        }
        return upload
    }

    private static func read(_ source: String, path: String, at: Date?) throws(InputError) -> PreparedUpload {
        let bytes: [UInt8]
        do throws(InputError) { bytes = try BoundedFile.read(path) } catch { throw InputError(source: source, problem: error.problem) }
        let modified = FileInfo.modificationDate(path) ?? Date()
        let kind = ProfileKind(detecting: bytes)
        switch kind {
        case .pprof:
            let profile: Profile
            do { profile = try Profile(serialized: bytes) } catch { throw InputError(source: source, problem: error.description) }
            let time = at ?? (profile.timeNanos > 0 ? Date(timeIntervalSince1970: Double(profile.timeNanos) / 1e9) : modified)
            let empty = profile.samples.isEmpty
                ? "\(source) has no samples (the profiler ran too briefly, or the process was idle): it adds nothing to a build's profile" : nil
            return PreparedUpload(source: source, bytes: Gzip.compressedIfNeeded(bytes), kind: kind, createdAt: time, warning: empty)
        case .llvmRaw:
            _ = try RawProfileLayout(parsing: bytes, source: source)
            return PreparedUpload(source: source, bytes: bytes, kind: kind, createdAt: at ?? modified)
        case .llvmIndexed:
            return PreparedUpload(source: source, bytes: bytes, kind: kind, createdAt: at ?? modified)
        }
    }

    /// Saves prepared uploads, `concurrency` at a time; the stored objects, in the same order.
    public static func save(
        _ uploads: [PreparedUpload], to store: any ProfileStore, service: String, concurrency: Int
    ) async throws -> [StoredProfile] {
        try await boundedMap(uploads, concurrency: concurrency) { upload in
            try await store.save(upload.bytes, service: service, createdAt: upload.createdAt)
        }
    }
}

/// Files that are not valid profiles: every one is listed, and nothing was uploaded.
public struct UploadError: Error, Sendable, CustomStringConvertible {
    public var problems: [InputError]
    public var total: Int
    public var description: String {
        "not uploading: \(problems.count) of \(total) files are not valid profiles:\n"
            + problems.map { "  \($0.source): \($0.problem)" }.joined(separator: "\n")
    }
}
