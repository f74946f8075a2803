// Command textpipe is a second, unrelated CPU workload used to produce "a
// profile from another binary" for swift-pgo's fixtures (see ../README.md).
// It shares no function names with ../go-workload: it runs a small text
// pipeline (generate, tokenize, count, encode, checksum) on two goroutines,
// without pprof labels.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/adler32"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var total atomic.Uint64

type lcg struct{ x uint32 }

func (g *lcg) draw() uint32 { g.x = g.x*1664525 + 1013904223; return g.x >> 8 }

var syllables = []string{"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua"}

//go:noinline
func generateText(g *lcg, words int) string {
	var b strings.Builder
	for i := 0; i < words; i++ {
		n := 1 + int(g.draw()%4)
		for j := 0; j < n; j++ {
			b.WriteString(syllables[g.draw()%uint32(len(syllables))])
		}
		if g.draw()%9 == 0 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

//go:noinline
func tokenize(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '.' })
}

//go:noinline
func countTokens(tokens []string) map[string]int {
	m := make(map[string]int, 64)
	for _, t := range tokens {
		m[t]++
	}
	return m
}

type entry struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

//go:noinline
func rankEntries(m map[string]int) []entry {
	out := make([]entry, 0, len(m))
	for w, c := range m {
		out = append(out, entry{w, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Word < out[j].Word
	})
	return out
}

//go:noinline
func encodeReport(es []entry) []byte {
	b, err := json.Marshal(es)
	if err != nil {
		panic(err)
	}
	return b
}

//go:noinline
func runLengthEncode(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		j := i
		for j < len(data) && data[j] == data[i] && j-i < 255 {
			j++
		}
		out = append(out, byte(j-i), data[i])
		i = j
	}
	return out
}

//go:noinline
func pipeline(g *lcg) uint64 {
	text := generateText(g, 400+int(g.draw()%400))
	counts := countTokens(tokenize(text))
	report := encodeReport(rankEntries(counts))
	packed := runLengthEncode([]byte(text))
	return uint64(adler32.Checksum(report)) ^ uint64(adler32.Checksum(packed))
}

func main() {
	out := flag.String("o", "alt.pb.gz", "output profile path")
	seconds := flag.Float64("seconds", 1, "profiling duration in seconds")
	seed := flag.Uint("seed", 7, "seed")
	flag.Parse()

	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(g *lcg) {
			defer wg.Done()
			for !stop.Load() {
				total.Add(pipeline(g))
			}
		}(&lcg{x: uint32(*seed)*2 + uint32(i)})
	}
	time.Sleep(time.Duration(*seconds * float64(time.Second)))
	pprof.StopCPUProfile()
	stop.Store(true)
	wg.Wait()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "textpipe: wrote %s (total %x)\n", *out, total.Load()&0xff)
}
