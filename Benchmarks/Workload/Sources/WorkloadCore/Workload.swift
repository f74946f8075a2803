/// The workload: generate a program from a seed, tokenize and parse it many times (branchy
/// scanning, recursive descent), then interpret its entry functions on many inputs (protocol
/// dispatch over a tree of generic nodes). Run time grows linearly with `scale`.
public struct WorkloadResult: Sendable {
    public var checksum: String
    public var sourceBytes: Int
    public var functions: Int
}

public struct WorkloadError: Error, CustomStringConvertible {
    public var description: String
}

public func runWorkload(seed: UInt64, scale: Int) throws -> WorkloadResult {
    try runWorkload(seed: seed, frontEndRounds: scale * 1_500, interpreterRounds: scale * 5_000)
}

/// The workload in a chosen amount: `frontEndRounds` tokenizations (one in ten also parsed, at
/// least one), then `interpreterRounds` calls of every entry function.
public func runWorkload(seed: UInt64, frontEndRounds: Int, interpreterRounds: Int) throws -> WorkloadResult {
    var generator = SourceGenerator(seed: seed)
    let source = generator.program()
    var checksum = Checksum()

    // Phase 1: front end. Every round re-tokenizes the whole program; one round in ten also parses
    // it (parsing allocates a node per construct, and malloc is not what PGO can improve).
    var program: [Function] = []
    for round in 0..<max(frontEndRounds, 1) {
        do {
            let tokens = try Lexer(source: source).tokenize()
            checksum.mix(tokens.count)
            if round % 10 == 0 {
                var parser = Parser(source: source, tokens: tokens)
                program = try parser.parseProgram()
                checksum.mix(parser.nodeCount)
            }
        } catch {
            throw WorkloadError(description: "the generated program does not parse: \(error)")
        }
    }

    // Phase 2: interpreter. Each entry function runs on many inputs; memory carries state across calls.
    let entries = program.filter { $0.name.hasPrefix("entry_") }
    guard !entries.isEmpty else { throw WorkloadError(description: "the generated program has no entry functions") }
    let machine = Machine(memorySize: 4096)
    var input = SeededRandom(seed: seed ^ 0x5EED)
    for round in 0..<interpreterRounds {
        for entry in entries {
            checksum.mix(machine.call(entry, [round, input.within(0...1_000_000)]))
        }
    }
    for cell in 0..<machine.memory.count { checksum.mix(machine.memory[cell]) }
    return WorkloadResult(checksum: checksum.hex, sourceBytes: source.count, functions: program.count)
}
