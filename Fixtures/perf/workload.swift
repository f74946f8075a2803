// The program the perf fixtures were recorded from (see generate.sh): a hot loop calling a
// branchy leaf, a mixing function, and some String work in libswiftCore.
@inline(never)
func classify(_ x: Int) -> Int {
    if x % 3 == 0 {
        return x / 3
    } else if x % 5 == 0 {
        return x * 2
    }
    return x + 1
}

@inline(never)
func mix(_ a: Int, _ b: Int) -> Int {
    var h = a
    for _ in 0..<8 { h = (h &* 31) ^ b }
    return h
}

@main
struct Main {
    static func main() {
        let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000_000 : 100_000_000
        var total = 0
        var words: [String] = []
        for i in 0..<count {
            total &+= classify(i)
            if i % 7 == 0 { total = mix(total, i) }
            if i % 1_000 == 0 { words.append(String(total)) }
        }
        print(total, words.count)
    }
}
