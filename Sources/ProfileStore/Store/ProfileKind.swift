import BinaryFormats

/// What a stored object holds. Stores keep more than pprof: services built with
/// `-profile-generate` upload the LLVM runtime's raw counters, and a build may keep a merged
/// `.profdata`; `pgo fetch --llvm` picks the kind it finds.
public enum ProfileKind: String, Sendable, CaseIterable {
    /// A pprof profile (gzip-compressed in the store).
    case pprof
    /// An LLVM raw instrumentation profile (`.profraw`), as written by `-profile-generate` binaries.
    case llvmRaw = "profraw"
    /// An LLVM indexed instrumentation profile (`.profdata`), as written by `llvm-profdata merge`.
    case llvmIndexed = "profdata"

    /// The key suffix of the standard layout.
    public var fileExtension: String {
        switch self {
        case .pprof: ".pb.gz"
        case .llvmRaw: ".profraw"
        case .llvmIndexed: ".profdata"
        }
    }

    /// Whether it is an instrumentation profile (`-profile-use`), as opposed to samples.
    public var isInstrumented: Bool { self != .pprof }

    /// The kind of `bytes`, by the LLVM formats' 8-byte magic numbers (`LLVMProfileMagic`);
    /// anything else is taken for pprof (which has none) and validated as such by whoever reads it.
    public init(detecting bytes: [UInt8]) {
        if LLVMProfileMagic.isRaw(bytes) {
            self = .llvmRaw
        } else if LLVMProfileMagic.isIndexed(bytes) {
            self = .llvmIndexed
        } else {
            self = .pprof
        }
    }

    /// The kind a key names, by its suffix.
    public init(key: String) {
        self = Self.allCases.first { $0 != .pprof && key.hasSuffix($0.fileExtension) } ?? .pprof
    }
}

extension StoredProfile {
    /// What the object holds, by its key's suffix.
    public var kind: ProfileKind { ProfileKind(key: key) }
}
