// A stand-in for a Swift service's hot path.
var total = 0
for i in 0..<1_000_000 { total &+= i &* i }
print(total)
