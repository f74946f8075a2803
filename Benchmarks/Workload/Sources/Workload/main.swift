// The workload: generate a program from a seed, tokenize and parse it many times (branchy
// scanning, recursive descent), then interpret its entry functions on many inputs (protocol
// dispatch over a tree of generic nodes). Prints one checksum over everything it computed.
//
// Usage: Workload [SEED] [SCALE]   (defaults 42 and 10; run time grows linearly with SCALE)

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String) -> Never {
    let line = Array("Workload: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count <= 2 else { fail("usage: Workload [SEED] [SCALE]") }
guard let seed = UInt64(arguments.first ?? "42") else { fail("SEED must be a non-negative integer") }
guard let scale = Int(arguments.dropFirst().first ?? "10"), scale > 0, scale <= 10_000 else {
    fail("SCALE must be an integer in 1...10000")
}

var generator = SourceGenerator(seed: seed)
let source = generator.program()
var checksum = Checksum()

// Phase 1: front end. Every round re-tokenizes the whole program; one round in ten also parses
// it (parsing allocates a node per construct, and malloc is not what PGO can improve).
var program: [Function] = []
for round in 0..<(scale * 1_500) {
    do {
        let tokens = try Lexer(source: source).tokenize()
        checksum.mix(tokens.count)
        if round % 10 == 0 {
            var parser = Parser(source: source, tokens: tokens)
            program = try parser.parseProgram()
            checksum.mix(parser.nodeCount)
        }
    } catch {
        fail("the generated program does not parse: \(error)")
    }
}

// Phase 2: interpreter. Each entry function runs on many inputs; memory carries state across calls.
let entries = program.filter { $0.name.hasPrefix("entry_") }
guard !entries.isEmpty else { fail("the generated program has no entry functions") }
let machine = Machine(memorySize: 4096)
var input = SeededRandom(seed: seed ^ 0x5EED)
for round in 0..<(scale * 5_000) {
    for entry in entries {
        checksum.mix(machine.call(entry, [round, input.within(0...1_000_000)]))
    }
}
for cell in 0..<machine.memory.count { checksum.mix(machine.memory[cell]) }

print("source bytes: \(source.count), functions: \(program.count)")
print("checksum: \(checksum.hex)")
