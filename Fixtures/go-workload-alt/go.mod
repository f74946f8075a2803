module example.com/swiftpgo/textpipe

go 1.22
