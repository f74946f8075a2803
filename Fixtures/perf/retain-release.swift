// A workload whose time is in libswiftCore's reference counting (swift_retain, swift_release and
// their slow paths), which perf names with demangled C++ names, white space included. See
// ImportCommandTests.perfCaptureWithDemangledRuntimeFramesConverts.
final class Node {
    var value: Int
    var next: Node?
    init(_ value: Int, _ next: Node?) { self.value = value; self.next = next }
}

@inline(never) func churn(_ rounds: Int) -> Int {
    var total = 0
    for round in 0..<rounds {
        var list: Node? = nil
        for i in 0..<64 { list = Node(i &+ round, list) }
        var cursor = list
        while let node = cursor { total &+= node.value; cursor = node.next }
    }
    return total
}

@main struct Main {
    static func main() {
        let rounds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000
        print(churn(rounds))
    }
}
