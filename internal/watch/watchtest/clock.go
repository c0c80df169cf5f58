// Package watchtest has clocks for tests and benchmarks of watch.Follow and
// what stands on it: one whose timers fire only when the test says, so a test
// knows exactly what each poll sees, and one that fires at once, so a
// ten-minute wait runs in milliseconds.
package watchtest

import (
	"sync"
	"testing"
	"time"
)

// Start is where both clocks start.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// StepClock is a watch.Clock whose timers fire on Tick. Between two ticks the
// test changes GitHub's state; the poll after the tick sees it.
type StepClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  chan stepTimer
	pending *stepTimer
}

type stepTimer struct {
	d    time.Duration
	fire chan time.Time
}

// NewStepClock starts at Start.
func NewStepClock() *StepClock {
	return &StepClock{now: Start, timers: make(chan stepTimer)}
}

// Now is the clock's time: Start plus the intervals ticked so far.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After hands the timer to the test and returns its channel.
func (c *StepClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.timers <- stepTimer{d, ch}
	return ch
}

// Polled waits until the watcher has finished a poll and waits for the next
// one; false when done was closed first (the watcher returned).
func (c *StepClock) Polled(tb testing.TB, done <-chan struct{}) bool {
	tb.Helper()
	select {
	case tm := <-c.timers:
		c.pending = &tm
		return true
	case <-done:
		return false
	case <-time.After(10 * time.Second):
		tb.Fatal("the watcher never waited for its next poll")
		return false
	}
}

// Tick lets the waiting watcher poll once more and returns when that poll is
// done (as Polled). It fails tb when the watcher is not waiting.
func (c *StepClock) Tick(tb testing.TB, done <-chan struct{}) bool {
	tb.Helper()
	if c.pending == nil {
		tb.Fatal("Tick: the watcher is not waiting for a poll")
	}
	c.mu.Lock()
	c.now = c.now.Add(c.pending.d)
	now := c.now
	c.mu.Unlock()
	c.pending.fire <- now
	c.pending = nil
	return c.Polled(tb, done)
}

// InstantClock fires every timer at once, moving its time on by the wait.
type InstantClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewInstantClock starts at Start.
func NewInstantClock() *InstantClock { return &InstantClock{now: Start} }

// Now is Start plus every wait so far.
func (c *InstantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After moves the clock on by d and returns a timer that has fired.
func (c *InstantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}
