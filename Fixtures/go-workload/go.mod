module example.com/swiftpgo/workload

go 1.22
