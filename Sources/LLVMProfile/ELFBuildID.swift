import Foundation

/// Reads the GNU build ID of an ELF file: the identity that ties a profile's addresses to the
/// exact binary they came from.
public enum ELFBuildID {
    public typealias Error = ELFFile.Error

    /// The build ID as lowercase hex, or nil when the file has none.
    public static func read(_ path: String) throws -> String? {
        try ELFFile(path: path, readingSymbols: false).buildID
    }
}
