import BinaryFormats
import Foundation

extension ELFFile {
    /// Maps and parses the ELF file at `path`; `readingSymbols: false` skips the symbol tables,
    /// for callers that need only the build ID and segments of a large binary.
    public init(path: String, readingSymbols: Bool = true) throws(ELFError) {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw ELFError(description: "\(path): cannot read")
        }
        try self.init(bytes: data, path: path, readingSymbols: readingSymbols)
    }
}

/// Reads the GNU build ID of an ELF file: the identity that ties a profile's addresses to the
/// exact binary they came from.
public enum ELFBuildID {
    /// The build ID as lowercase hex, or nil when the file has none.
    public static func read(_ path: String) throws(ELFError) -> String? {
        try ELFFile(path: path, readingSymbols: false).buildID
    }
}
