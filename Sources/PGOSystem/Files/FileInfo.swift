import Foundation

/// What the file system says about a path.
public enum FileInfo {
    /// The modification time, or nil when the path cannot be read.
    public static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Where a symbolic link points, or nil.
    public static func symbolicLinkDestination(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    /// The names in a directory.
    public static func contents(ofDirectory path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path) }
}
