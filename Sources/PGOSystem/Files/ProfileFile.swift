import Foundation
import Pprof

/// Reads profiles from files, with errors that name the file.
public enum ProfileFile {
    /// Reads, decodes and validates one profile file.
    public static func read(_ path: String, limits: DecodingLimits = .default) throws(InputError) -> Profile {
        let bytes = try BoundedFile.read(path, limit: limits.maxDecodedBytes)
        do {
            return try Profile(serialized: bytes, limits: limits)
        } catch {
            throw InputError(source: path, problem: error.description)
        }
    }
}

extension ProfileSource {
    /// A profile file, read when a worker gets to it.
    public static func file(_ path: String, limits: DecodingLimits = .default) -> ProfileSource {
        ProfileSource(name: path, limits: limits) { () throws(InputError) in try BoundedFile.read(path, limit: limits.maxDecodedBytes) }
    }
}
