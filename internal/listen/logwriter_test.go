package listen

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// gate is a destination that counts writes and can be held shut.
type gate struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	open   chan struct{} // nil: open
}

func (g *gate) Write(p []byte) (int, error) {
	if g.open != nil {
		<-g.open
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes++
	return g.buf.Write(p)
}

func (g *gate) String() string { g.mu.Lock(); defer g.mu.Unlock(); return g.buf.String() }

// TestLogWriterKeepsEveryLine: lines from many goroutines all arrive, whole
// and each writer's in order, by Close.
func TestLogWriterKeepsEveryLine(t *testing.T) {
	var g gate
	l := NewLogWriter(&g)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(l, "writer=%d line=%d %s\n", w, i, strings.Repeat("x", i%50))
			}
		})
	}
	wg.Wait()
	l.Close()
	next := map[string]int{}
	lines := strings.Split(strings.TrimSuffix(g.String(), "\n"), "\n")
	for _, line := range lines {
		var w, i int
		if _, err := fmt.Sscanf(line, "writer=%d line=%d", &w, &i); err != nil || !strings.HasSuffix(line, " "+strings.Repeat("x", i%50)) {
			t.Fatalf("line torn: %q", line)
		}
		if key := fmt.Sprint(w); next[key] != i {
			t.Fatalf("writer %d: line %d after %d", w, i, next[key]-1)
		} else {
			next[key]++
		}
	}
	if len(lines) != 8*500 {
		t.Fatalf("%d lines, want %d", len(lines), 8*500)
	}
	fmt.Fprintln(l, "after close")
	if !strings.HasSuffix(g.String(), "after close\n") {
		t.Fatal("a line written after Close was not written")
	}
}

// TestLogWriterBatchesAndBlocks: while the destination is busy, lines
// gather and go out in one write; once maxPending bytes wait, Write blocks
// until the destination takes them.
func TestLogWriterBatchesAndBlocks(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	l := NewLogWriter(g)
	line := strings.Repeat("y", 1023) + "\n"
	fmt.Fprint(l, line) // the goroutine takes it and blocks in the gate
	written := make(chan int)
	go func() {
		n := 0
		for range 2 * maxPending / len(line) {
			fmt.Fprint(l, line)
			n++
		}
		written <- n
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case n := <-written:
		t.Fatalf("%d lines (%d KiB) queued while the destination was stuck; want Write to block at %d KiB", n, n*len(line)>>10, maxPending>>10)
	default:
	}
	close(g.open)
	n := <-written
	l.Close()
	if got := strings.Count(g.String(), "\n"); got != n+1 {
		t.Fatalf("%d lines written, want %d", got, n+1)
	}
	if g.writes > 4 {
		t.Fatalf("%d lines took %d writes; want them gathered", n+1, g.writes)
	}
}

// TestLogWriterCloseKeepsOrder: a line blocked (the destination stuck, the
// queue full) when Close comes is written after everything queued before
// it, and never while the goroutine is still writing.
func TestLogWriterCloseKeepsOrder(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	l := NewLogWriter(g)
	fmt.Fprintln(l, "first") // taken by the goroutine, which blocks in the gate
	time.Sleep(10 * time.Millisecond)
	fill := strings.Repeat("q", maxPending-1) + "\n"
	fmt.Fprint(l, fill) // the queue is now full
	late := make(chan struct{})
	go func() { defer close(late); fmt.Fprintln(l, "late") }() // blocks: no room
	time.Sleep(10 * time.Millisecond)
	closed := make(chan struct{})
	go func() { defer close(closed); l.Close() }()
	time.Sleep(10 * time.Millisecond)
	close(g.open)
	<-closed
	<-late
	if want := "first\n" + fill + "late\n"; g.String() != want {
		got := g.String()
		t.Fatalf("written %d bytes, starting %q and ending %q; want first, the queued line, then late", len(got), got[:min(len(got), 12)], got[max(0, len(got)-12):])
	}
}
