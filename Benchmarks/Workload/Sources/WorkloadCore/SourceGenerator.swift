/// Writes the workload's program from a seed: three layers of functions (leaves, middles that
/// loop over leaves, entries that loop over middles), so the call graph has no cycles and the
/// run time is bounded. Choices are skewed on purpose (mostly `+`, branches mostly taken one way),
/// as in real code, which is what a profile can teach the compiler.
struct SourceGenerator {
    static let leafCount = 24
    static let middleCount = 12
    static let entryCount = 4

    private var random: SeededRandom
    private var out: [UInt8] = []
    private var indent = 0

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func program() -> [UInt8] {
        out = []
        write("# generated program\n")
        for k in 0..<Self.leafCount { leaf(k) }
        for k in 0..<Self.middleCount { middle(k) }
        for k in 0..<Self.entryCount { entry(k) }
        return out
    }

    // MARK: Output

    private mutating func write(_ text: String) { out.append(contentsOf: text.utf8) }

    private mutating func line(_ text: String) {
        write(String(repeating: " ", count: indent * 4))
        write(text)
        if random.chance(5) { write("  # note \(random.below(1000))") }
        write("\n")
    }

    private mutating func block(_ header: String, _ body: (inout SourceGenerator) -> Void) {
        line(header + " {")
        indent += 1
        body(&self)
        indent -= 1
        line("}")
    }

    // MARK: Expressions

    private static let operators = ["+", "-", "*", "/", "%", "<", "==", "!=", ">=", "&&", "||"]
    private static let operatorWeights = [36, 16, 18, 3, 9, 6, 2, 2, 3, 3, 2]

    /// An expression over the given variables; depth bounds its size.
    private mutating func expression(_ variables: [String], depth: Int) -> String {
        let choice = depth <= 0 ? random.weighted([5, 6]) : random.weighted([2, 5, 10, 1, 1, 1])
        switch choice {
        case 0: return String(random.within(1...97))
        case 1: return variables[random.below(variables.count)]
        case 2:
            let op = Self.operators[random.weighted(Self.operatorWeights)]
            let left = expression(variables, depth: depth - 1)
            let right = expression(variables, depth: depth - 1)
            return random.chance(30) ? "(\(left) \(op) \(right))" : "\(left) \(op) \(right)"
        case 3: return "-" + expression(variables, depth: depth - 1)
        case 4: return "!(" + expression(variables, depth: depth - 1) + ")"
        default: return "mem[" + expression(variables, depth: depth - 1) + "]"
        }
    }

    /// A condition that holds about percent % of the time for well-spread values of variable.
    private mutating func skewed(_ variable: String, _ percent: Int) -> String {
        "\(variable) % 100 < \(percent) && \(variable) % 100 > -\(percent)"
    }

    // MARK: Functions

    private mutating func leaf(_ k: Int) {
        block("fn leaf_\(k)(a, b)") { g in
            var variables = ["a", "b"]
            for n in 0..<g.random.within(2...4) {
                let name = "t\(n)"
                g.line("let \(name) = \(g.expression(variables, depth: 3));")
                variables.append(name)
            }
            let pivot = variables[g.random.below(variables.count)]
            g.block("if (\(g.skewed(pivot, g.random.within(70...95))))") { g in
                g.line("t0 = t0 + \(g.expression(variables, depth: 2));")
                if g.random.chance(50) { g.line("mem[\(g.expression(variables, depth: 1))] = \(g.expression(variables, depth: 2));") }
            }
            if g.random.chance(60) {
                g.block("else if (\(pivot) % 7 == 3)") { g in g.line("t0 = t0 - \(g.expression(variables, depth: 2));") }
            }
            g.block("else") { g in g.line("t0 = \(g.expression(variables, depth: 3));") }
            g.line("return \(g.expression(variables, depth: 2)) % 100003;")
        }
    }

    private mutating func middle(_ k: Int) {
        block("fn mid_\(k)(a, b, c)") { g in
            g.line("let acc = a;")
            g.line("let i = 0;")
            g.block("while (i < \(g.random.within(3...7)))") { g in
                let first = g.random.below(Self.leafCount)
                let second = g.random.below(Self.leafCount)
                g.line("let v = leaf_\(first)(i + a, \(g.expression(["b", "c", "acc"], depth: 1)));")
                g.block("if (\(g.skewed("v", g.random.within(75...97))))") { g in
                    g.line("acc = acc + v;")
                }
                g.block("else") { g in g.line("acc = acc - leaf_\(second)(v, c);") }
                if g.random.chance(40) { g.line("mem[acc + i] = mem[acc] + v;") }
                g.line("i = i + 1;")
            }
            g.line("return acc % 1000003;")
        }
    }

    private mutating func entry(_ k: Int) {
        block("fn entry_\(k)(n, s)") { g in
            g.line("let total = s;")
            g.line("let j = 0;")
            g.block("while (j < \(g.random.within(2...4)))") { g in
                // Early middles are called more often than late ones: a skewed call-target mix.
                let target = g.random.weighted((0..<Self.middleCount).map { Self.middleCount - $0 })
                let other = g.random.below(Self.middleCount)
                g.line("total = total + mid_\(target)(n + j, total % 1000, s);")
                g.block("if (total % 10 == 9)") { g in g.line("total = total + mid_\(other)(j, n, total % 97);") }
                g.line("j = j + 1;")
            }
            g.line("return total;")
        }
    }
}
