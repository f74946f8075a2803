// Command workload burns CPU in a realistic mix of Go code and writes a CPU
// profile with runtime/pprof. It exists only to produce test fixtures for
// swift-pgo (see ../README.md and ../generate.sh).
//
// The call structure is chosen so that profiles exercise a pprof reader:
//
//   - hot leaf functions (hashBlock, sieve, matMul, scanBytes);
//   - small helpers the compiler inlines (rotl, mix64, rng.next, dot, ...),
//     so Locations carry several Lines (inline frames);
//   - recursion (fib, walk) and standard-library recursion (sort);
//   - interface dispatch (Kernel.Run on four concrete types);
//   - a pseudo-random tree of calls (nodeA..nodeF) whose depth and shape
//     come from -seed, so a longer profile has many distinct stacks;
//   - two worker goroutines with pprof labels, so both cores are busy.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var sink atomic.Uint64

// ---------------------------------------------------------------------------
// Small helpers: all of these are cheap enough for the Go inliner.

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return r.s
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func rotl(x uint64, k uint) uint64 { return x<<(k&63) | x>>((64-k)&63) }

func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// round nests two inlined helpers, giving three-deep inline stacks.
func round(a, b uint64) uint64 { return rotl(a^mix64(b), 27) * 5 }

func dot(a, b []float64, i, j, n int) float64 {
	s := 0.0
	for k := 0; k < n; k++ {
		s += a[i*n+k] * b[k*n+j]
	}
	return s
}

func isWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// ---------------------------------------------------------------------------
// Hot leaf functions.

//go:noinline
func hashBlock(buf []uint64, rounds int) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for r := 0; r < rounds; r++ {
		for i := range buf {
			h = round(h, buf[i])
			buf[i] ^= h
		}
	}
	return h
}

//go:noinline
func sieve(composite []bool) uint64 {
	for i := range composite {
		composite[i] = false
	}
	n := len(composite)
	count := uint64(0)
	for i := 2; i < n; i++ {
		if composite[i] {
			continue
		}
		count++
		for j := i * i; j < n; j += i {
			composite[j] = true
		}
	}
	return count
}

//go:noinline
func matMul(a, b, c []float64, n int) float64 {
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c[i*n+j] = dot(a, b, i, j, n)
		}
	}
	return c[n*n/2]
}

//go:noinline
func scanBytes(text []byte) uint64 {
	words, inWord := uint64(0), false
	for _, c := range text {
		w := isWordByte(c)
		if w && !inWord {
			words++
		}
		inWord = w
	}
	return words
}

// ---------------------------------------------------------------------------
// Recursion.

//go:noinline
func fib(n int) uint64 {
	if n < 2 {
		return uint64(n)
	}
	return fib(n-1) + fib(n-2)
}

type tree struct {
	left, right *tree
	val         uint64
}

func build(r *rng, depth int) *tree {
	if depth == 0 {
		return nil
	}
	return &tree{left: build(r, depth-1), right: build(r, depth-1), val: r.next()}
}

//go:noinline
func walk(t *tree, acc uint64) uint64 {
	if t == nil {
		return acc
	}
	acc = mix64(acc ^ t.val)
	acc = walk(t.left, acc)
	return walk(t.right, acc)
}

// ---------------------------------------------------------------------------
// Interface dispatch.

type Kernel interface {
	Run(s *state) uint64
}

type hashKernel struct{ rounds int }
type sieveKernel struct{}
type matrixKernel struct{ n int }
type textKernel struct{}

func (k hashKernel) Run(s *state) uint64   { return hashBlock(s.words, k.rounds) }
func (sieveKernel) Run(s *state) uint64    { return sieve(s.composite) }
func (k matrixKernel) Run(s *state) uint64 { return uint64(matMul(s.a, s.b, s.c, k.n)) }

func (*textKernel) Run(s *state) uint64 {
	fields := strings.Fields(s.sentence)
	sort.Strings(fields)
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f)
		b.WriteString(strconv.Itoa(len(f)))
	}
	return scanBytes([]byte(b.String()))
}

//go:noinline
func runKernel(k Kernel, s *state) uint64 { return k.Run(s) }

//go:noinline
func dispatchAll(s *state) uint64 {
	h := uint64(0)
	for i := 0; i < 3; i++ {
		h += runKernel(s.kernels[s.r.intn(len(s.kernels))], s)
	}
	return h
}

// ---------------------------------------------------------------------------
// Per-goroutine state.

type state struct {
	r         *rng
	words     []uint64
	composite []bool
	a, b, c   []float64
	sentence  string
	ints      []int
	kernels   []Kernel
	root      *tree
}

func newState(seed uint64) *state {
	r := &rng{s: seed*0x9e3779b97f4a7c15 | 1}
	const n = 24
	s := &state{
		r:         r,
		words:     make([]uint64, 512),
		composite: make([]bool, 8000),
		a:         make([]float64, n*n),
		b:         make([]float64, n*n),
		c:         make([]float64, n*n),
		ints:      make([]int, 400),
		kernels:   []Kernel{hashKernel{rounds: 24}, sieveKernel{}, matrixKernel{n: n}, &textKernel{}},
		root:      build(r, 10),
	}
	for i := range s.words {
		s.words[i] = r.next()
	}
	for i := range s.a {
		s.a[i] = float64(r.next()%1000) / 7
		s.b[i] = float64(r.next()%1000) / 11
	}
	ws := make([]string, 120)
	for i := range ws {
		ws[i] = strconv.FormatUint(r.next()%100000, 36)
	}
	s.sentence = strings.Join(ws, " ")
	return s
}

//go:noinline
func sortWork(s *state) uint64 {
	for i := range s.ints {
		s.ints[i] = int(s.r.next() % 100000)
	}
	sort.Ints(s.ints)
	return uint64(s.ints[len(s.ints)/2])
}

// ---------------------------------------------------------------------------
// A pseudo-random tree of calls. Each node picks its children from the RNG,
// so the set of stacks grows with run time.

//go:noinline
func leaf(s *state) uint64 {
	switch s.r.intn(6) {
	case 0:
		return hashBlock(s.words, 6)
	case 1:
		return sieve(s.composite[:3000])
	case 2:
		return uint64(matMul(s.a, s.b, s.c, 12))
	case 3:
		return scanBytes([]byte(s.sentence))
	case 4:
		return fib(15 + s.r.intn(5))
	default:
		return runKernel(s.kernels[s.r.intn(len(s.kernels))], s)
	}
}

//go:noinline
func nodeA(s *state, d int) uint64 {
	if d <= 0 {
		return leaf(s)
	}
	switch s.r.intn(3) {
	case 0:
		return nodeB(s, d-1)
	case 1:
		return nodeC(s, d-1) ^ leaf(s)
	default:
		return nodeD(s, d-1)
	}
}

//go:noinline
func nodeB(s *state, d int) uint64 {
	if d <= 0 {
		return leaf(s)
	}
	h := uint64(0)
	for i := 0; i < 2; i++ {
		if s.r.intn(2) == 0 {
			h += nodeE(s, d-1)
		} else {
			h += nodeA(s, d-1)
		}
	}
	return h
}

//go:noinline
func nodeC(s *state, d int) uint64 {
	if d <= 0 {
		return hashBlock(s.words[:128], 3)
	}
	switch s.r.intn(4) {
	case 0:
		return nodeF(s, d-1)
	case 1:
		return nodeB(s, d-1)
	case 2:
		return sortWork(s)
	default:
		return dispatchAll(s)
	}
}

//go:noinline
func nodeD(s *state, d int) uint64 {
	if d <= 0 || s.r.intn(5) == 0 {
		return walk(s.root.left, uint64(d))
	}
	return nodeC(s, d-1) + nodeE(s, d-1)
}

//go:noinline
func nodeE(s *state, d int) uint64 {
	if d <= 0 {
		return leaf(s)
	}
	if s.r.intn(3) == 0 {
		return fib(12 + d)
	}
	return nodeF(s, d-1)
}

//go:noinline
func nodeF(s *state, d int) uint64 {
	if d <= 0 {
		return scanBytes([]byte(s.sentence[:len(s.sentence)/2]))
	}
	switch s.r.intn(3) {
	case 0:
		return nodeA(s, d-1)
	case 1:
		return nodeD(s, d-1)
	default:
		return leaf(s)
	}
}

//go:noinline
func step(s *state) uint64 {
	switch s.r.intn(8) {
	case 0:
		return dispatchAll(s)
	case 1:
		return walk(s.root, s.r.next())
	case 2:
		return sortWork(s)
	default:
		return nodeA(s, 1+s.r.intn(7))
	}
}

func worker(ctx context.Context, seed uint64, stop *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	pprof.Do(ctx, pprof.Labels("worker", strconv.FormatUint(seed&1, 10)), func(context.Context) {
		s := newState(seed)
		for !stop.Load() {
			sink.Add(step(s))
		}
	})
}

func main() {
	out := flag.String("o", "cpu.pb.gz", "output profile path")
	seconds := flag.Float64("seconds", 1, "profiling duration in seconds")
	hz := flag.Int("hz", 100, "CPU sampling rate in Hz")
	seed := flag.Uint64("seed", 1, "seed for the pseudo-random call tree")
	empty := flag.Bool("empty", false, "start and immediately stop the profiler (zero samples)")
	flag.Parse()

	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *hz != 100 {
		// Must precede StartCPUProfile, which then warns that the rate is
		// already set; the profile records the rate actually in force.
		runtime.SetCPUProfileRate(*hz)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !*empty {
		var stop atomic.Bool
		var wg sync.WaitGroup
		for i := uint64(0); i < 2; i++ {
			wg.Add(1)
			go worker(context.Background(), 2*(*seed)+i, &stop, &wg)
		}
		time.Sleep(time.Duration(*seconds * float64(time.Second)))
		pprof.StopCPUProfile()
		stop.Store(true)
		wg.Wait()
	} else {
		pprof.StopCPUProfile()
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "workload: wrote %s (sink %x)\n", *out, sink.Load()&0xff)
}
