import Foundation
import BinaryFormats
import PGOSystem

/// The executable, file-backed mappings of this process, from /proc/self/maps: what ties a
/// sampled address to a file and an offset in it.
struct ProcessMapping: Equatable, Sendable {
    var start: UInt64
    var end: UInt64
    var fileOffset: UInt64
    var path: String

    /// Reads /proc/self/maps (or `text`, for tests).
    static func current(_ text: String? = nil) -> [ProcessMapping] {
        // Read to the end: Foundation's String(contentsOfFile:) and FileManager.contents(atPath:)
        // stop after the first 4 KiB of a /proc file (they trust its st_size of 0 and read one
        // page), which dropped every library mapped past the first few dozen lines.
        let contents = text ?? ((try? BoundedFile.read("/proc/self/maps", limit: 64 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? "")
        return contents.split(separator: "\n").compactMap { line in
            // start-end perms offset dev inode [path]
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1].contains("x") else { return nil }
            let path = fields[5].trimmingCharacters(in: .whitespaces)
            guard path.hasPrefix("/"), !path.hasSuffix(" (deleted)") else { return nil }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                  let offset = UInt64(fields[2], radix: 16), start < end
            else { return nil }
            return ProcessMapping(start: start, end: end, fileOffset: offset, path: path)
        }.sorted { $0.start < $1.start }
    }
}

/// What the agent knows of one mapped file: its build ID, and for the main executable its
/// function symbols sorted by address. Read once per file and kept: binaries do not change
/// while they run.
final class BinaryInfoCache: Sendable {
    struct Info: Sendable {
        var buildID: String?
        var elf: ELFFile?
        /// (address, size, name), by address.
        var symbols: [(UInt64, UInt64, String)]
    }

    static let shared = BinaryInfoCache()
    private let infos = Locked<[String: Info]>([:])

    func info(for path: String, withSymbols: Bool) -> Info {
        if let info = infos.withLock({ $0[path] }), info.elf != nil || !withSymbols { return info }
        let elf = try? ELFFile(path: path, readingSymbols: withSymbols)
        var symbols: [(UInt64, UInt64, String)] = []
        if withSymbols, let elf {
            symbols = elf.symbols.values.flatMap { $0 }.filter { $0.value > 0 }.map { ($0.value, $0.size, $0.name) }.sorted { $0.0 < $1.0 }
        }
        let info = Info(buildID: elf?.buildID, elf: withSymbols ? elf : nil, symbols: symbols)
        infos.withLock { $0[path] = info }
        return info
    }
}

extension BinaryInfoCache.Info {
    /// The symbol whose range holds the virtual address `address`.
    func symbol(at address: UInt64) -> String? {
        var low = 0, high = symbols.count
        while low < high {
            let middle = (low + high) / 2
            if symbols[middle].0 <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let (start, size, name) = symbols[low - 1]
        return address - start < max(size, 1) ? name : nil
    }
}
