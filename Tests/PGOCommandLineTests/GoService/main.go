// A tiny Go service for the `pgo collect` tests: net/http/pprof on 127.0.0.1 (a free port,
// printed on the first line of standard output) and a goroutine that burns CPU, so that its CPU
// profiles have samples. Standard library only. It exits when standard input closes, so it
// never outlives the test process that started it.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

var sink byte

//go:noinline
func hashBlock(sum [32]byte) [32]byte { return sha256.Sum256(sum[:]) }

func burn() {
	var sum [32]byte
	for {
		for i := 0; i < 10000; i++ {
			sum = hashBlock(sum)
		}
		sink ^= sum[0]
	}
}

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	go burn()
	fmt.Println(listener.Addr().(*net.TCPAddr).Port)
	if err := http.Serve(listener, nil); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}
