package listen

import (
	"io"
	"sync"
)

// LogWriter writes the listener's log from a goroutine of its own: the
// lines that come while a write is under way go out together in the next
// one. In a burst of deliveries that is one write(2) for many lines instead
// of one a line, which cost about 9% of a delivery's CPU; when lines are
// few, each is written as soon as it comes. If the destination cannot keep
// up (a stuck terminal or pipe), Write blocks once maxPending bytes wait,
// rather than memory growing. Close writes what is left; Writes after it go
// straight through, after it. A hard exit (a panic, SIGKILL) loses the lines
// not yet written: a millisecond's worth at most, unless the destination is
// stuck.
type LogWriter struct {
	w io.Writer

	mu      sync.Mutex
	room    *sync.Cond // pending was taken
	pending []byte
	closed  bool

	wake chan struct{} // cap 1: there is something to write, or Close
	done chan struct{} // the goroutine has written everything and ended
}

const (
	maxPending = 256 << 10
	// keepLogBuffer is the largest buffer kept for the next lines: a long burst
	// does not leave a large one behind.
	keepLogBuffer = 64 << 10
)

// NewLogWriter starts writing to w.
func NewLogWriter(w io.Writer) *LogWriter {
	l := &LogWriter{w: w, wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.room = sync.NewCond(&l.mu)
	go l.run()
	return l
}

// Write queues p (a whole log line, as slog hands it over) and returns.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for len(l.pending) >= maxPending && !l.closed {
		l.room.Wait()
	}
	if l.closed {
		// After what was queued, which the goroutine may still be writing.
		l.mu.Unlock()
		<-l.done
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.w.Write(p)
	}
	l.pending = append(l.pending, p...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *LogWriter) run() {
	defer close(l.done)
	var buf []byte
	for range l.wake {
		l.mu.Lock()
		buf, l.pending = l.pending, buf[:0]
		closed := l.closed
		l.room.Broadcast()
		l.mu.Unlock()
		if len(buf) > 0 {
			// A failed write has nowhere to be reported: the log is where it
			// would go.
			_, _ = l.w.Write(buf)
		}
		if cap(buf) > keepLogBuffer {
			buf = nil
		}
		if closed {
			return
		}
	}
}

// Close writes the lines still waiting and stops the goroutine.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.room.Broadcast()
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // a wake is pending: run takes it and then sees closed
	}
	<-l.done
	return nil
}
