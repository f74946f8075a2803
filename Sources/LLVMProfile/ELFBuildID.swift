import Foundation

/// Reads the GNU build ID of an ELF file: the identity that ties a profile's addresses to the
/// exact binary they came from.
public enum ELFBuildID {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The build ID as lowercase hex, or nil when the file has none.
    public static func read(_ path: String) throws -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { throw Error(description: "\(path): cannot read") }
        let bytes = [UInt8](data)
        guard bytes.count > 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] else { throw Error(description: "\(path): not an ELF file") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw Error(description: "\(path): only 64-bit little-endian ELF is supported") }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }
        let sectionTable = u64(0x28), entrySize = u16(0x3a), count = u16(0x3c)
        for index in 0..<count {
            let header = sectionTable + index * entrySize
            guard header + 64 <= bytes.count, u32(header + 4) == 7 else { continue }  // SHT_NOTE
            var offset = u64(header + 0x18)
            let end = min(offset + u64(header + 0x20), bytes.count)
            while offset + 12 <= end {
                let nameSize = u32(offset), descSize = u32(offset + 4), type = u32(offset + 8)
                let name = offset + 12
                let desc = name + (nameSize + 3) & ~3
                guard desc + descSize <= end else { break }
                if type == 3, nameSize == 4, bytes[name..<name + 3] == [0x47, 0x4e, 0x55] {  // NT_GNU_BUILD_ID, "GNU"
                    return bytes[desc..<desc + descSize].map { String(format: "%02x", $0) }.joined()
                }
                offset = desc + (descSize + 3) & ~3
            }
        }
        return nil
    }
}
