// A program for the instrumented-profile tests: a hot function, and a function that never runs
// (all its counters stay 0, which crashes swiftc 6.3.1's -profile-use unless the merge smooths them).
@inline(never)
func neverCalled(_ x: Int) -> Int {
    if x > 10 {
        return x * 3
    } else {
        return x - 1
    }
}

@inline(never)
func collatzStep(_ x: Int) -> Int {
    if x % 2 == 0 { return x / 2 }
    return 3 * x + 1
}

var total = 0
for i in 0..<200_000 { total &+= collatzStep(i) }
if CommandLine.arguments.count > 3 { total &+= neverCalled(total) }
print(total)
