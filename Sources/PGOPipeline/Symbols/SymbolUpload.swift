import BinaryFormats
import Foundation
import PGOSystem
import ProfileStore

/// Putting a build's symbol file into the store's `buildid/` area (`pgo symbols upload`, the
/// agent): the binary must have a GNU build ID and DWARF line tables, or the file would be
/// useless to the build that needs it later, so both are checked before anything is sent.
public enum SymbolUpload {
    /// What to upload of a binary.
    public enum Content: Sendable {
        /// The binary itself (unstripped: its DWARF is what is wanted).
        case wholeBinary
        /// `llvm-objcopy --only-keep-debug` output, with the toolchain's llvm-objcopy: the DWARF
        /// and symbol tables without the code, usually a good deal smaller.
        case debugOnly(Toolchain)
    }

    public struct Result: Sendable, Equatable {
        public var binary: String
        public var buildID: String
        public var stored: StoredSymbolFile
        /// False when the store had the file already (same size): nothing was sent.
        public var uploaded: Bool
        /// The binary's own size, for comparison with the stored file's.
        public var binarySize: Int
    }

    /// The build ID of `binary` once it is fit to symbolize profiles with; an error names the file
    /// and the fix.
    public static func check(_ binary: String) throws -> String {
        let elf: ELFFile
        do { elf = try ELFFile(path: binary, readingSymbols: false) } catch { throw SymbolUploadError(error.description) }
        guard let buildID = elf.buildID else { throw noBuildID(binary) }
        guard elf.hasLineTables else {
            throw SymbolUploadError("\(binary) has no DWARF line tables (.debug_line): it was built without -g, or stripped. Upload the unstripped release binary (swift build -c release keeps -g), not the stripped one")
        }
        return buildID
    }

    /// The error for a binary without a GNU build ID.
    public static func noBuildID(_ binary: String) -> SymbolUploadError {
        SymbolUploadError("\(binary) has no GNU build ID, so profiles cannot be matched to it: link it with --build-id (swiftc -Xlinker --build-id)")
    }

    /// Uploads `binary`'s symbol file unless the store has one of the same size.
    public static func upload(_ binary: String, content: Content, to store: any SymbolStore) async throws -> Result {
        let buildID = try check(binary)
        let binarySize = try ChunkedFile(path: binary).size
        switch content {
        case .wholeBinary:
            return try await upload(binary, file: binary, buildID: buildID, binarySize: binarySize, to: store)
        case .debugOnly(let toolchain):
            guard let objcopy = toolchain.tool("llvm-objcopy") else {
                throw SymbolUploadError("--debug-only needs llvm-objcopy next to swiftc (\(toolchain.swiftc ?? "no swiftc on PATH")); set SWIFTC to a toolchain that has it, or upload the whole binary")
            }
            return try await ScratchDirectory.with(prefix: "pgo-symbols") { scratch in
                let debugFile = scratch.path + "/debuginfo"
                let run = try toolchain.subprocess.run(objcopy, ["--only-keep-debug", binary, debugFile])
                guard run.status == 0 else { throw SymbolUploadError("\(objcopy) --only-keep-debug \(binary) failed: \(run.errorText)") }
                guard try check(debugFile) == buildID else {
                    throw SymbolUploadError("\(objcopy) --only-keep-debug \(binary) wrote a file with another build ID")
                }
                return try await upload(binary, file: debugFile, buildID: buildID, binarySize: binarySize, to: store)
            }
        }
    }

    private static func upload(_ binary: String, file: String, buildID: String, binarySize: Int, to store: any SymbolStore) async throws -> Result {
        let size = try ChunkedFile(path: file).size
        if let existing = try await store.symbolFile(buildID: buildID, kind: .debuginfo), existing.size == size {
            return Result(binary: binary, buildID: buildID, stored: existing, uploaded: false, binarySize: binarySize)
        }
        let stored = try await store.uploadSymbolFile(from: file, buildID: buildID, kind: .debuginfo)
        return Result(binary: binary, buildID: buildID, stored: stored, uploaded: true, binarySize: binarySize)
    }

    /// The symbol files stored before `cutoff` (`pgo symbols prune`); deleted unless `dryRun`.
    public static func prune(in store: any SymbolStore, before cutoff: Date, dryRun: Bool) async throws -> [StoredSymbolFile] {
        let old = try await store.listSymbolFiles().filter { ($0.modified ?? .distantFuture) < cutoff }
        if !dryRun {
            _ = try await boundedMap(old, concurrency: 8) { file in try await store.deleteSymbolFile(file) }
        }
        return old
    }
}

/// A binary that cannot serve as a symbol file, or an upload that failed.
public struct SymbolUploadError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
