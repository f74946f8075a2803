import Foundation
import Pprof

/// Appends to files that must already exist, such as CI step-output files.
public enum AppendFile {
    public static func append(_ bytes: [UInt8], to path: String) throws(InputError) {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw InputError(source: path, problem: "cannot open for appending") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw InputError(source: path, problem: "cannot append: \(error.localizedDescription)")
        }
    }
}
