import Foundation
import PGOSystem
import Pprof

extension CommandContext {
    /// An absolute path for `path`, resolved against the working directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).path
    }

    /// Input arguments as files: a directory stands for the regular files directly inside it
    /// (sorted, hidden files left out), which is how a local profile store is laid out.
    func expandInputs(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            let path = resolve(argument)
            if FileInfo.isDirectory(path) {
                let names = try FileInfo.contents(ofDirectory: path).filter { !$0.hasPrefix(".") }.sorted()
                let entries = names.map { (path as NSString).appendingPathComponent($0) }.filter { FileInfo.exists($0) && !FileInfo.isDirectory($0) }
                if entries.isEmpty { throw CommandError("\(argument): directory holds no files") }
                files += entries.map { argument.hasSuffix("/") ? argument + ($0 as NSString).lastPathComponent : argument + "/" + ($0 as NSString).lastPathComponent }
            } else {
                files.append(argument)
            }
        }
        return files
    }

    /// Profile files to merge, read when a worker gets to them; errors name the file as given.
    func profileSources(_ arguments: [String]) throws -> [ProfileSource] {
        try expandInputs(arguments).map { file in
            let path = resolve(file)
            return ProfileSource(name: file) { () throws(InputError) in
                do throws(InputError) { return try BoundedFile.read(path) } catch { throw InputError(source: file, problem: error.problem) }
            }
        }
    }

    /// Writes binary output to a file atomically, or to standard output for `-`.
    func writeBinary(_ bytes: [UInt8], to output: String) throws {
        if output == "-" {
            if outputIsTerminal {
                throw CommandError("refusing to write a binary profile to a terminal; use -o FILE or redirect the output")
            }
            writeOutput(bytes)
        } else {
            try AtomicFile.write(bytes, to: resolve(output))
        }
    }

    /// Prints `value` as the `--json` of a listing: pretty, keys sorted, slashes as they are.
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        writeOutput(Array(try encoder.encode(value)) + [0x0a])
    }
}

func formatBytes(_ count: Int) -> String {
    if count >= 1 << 20 { return String(format: "%.1f MiB", Double(count) / Double(1 << 20)) }
    if count >= 1 << 10 { return String(format: "%.1f KiB", Double(count) / Double(1 << 10)) }
    return "\(count) B"
}
