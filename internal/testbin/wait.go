package testbin

import (
	"os"
	"testing"
	"time"
)

// WaitFile waits until name exists (a program under test touches it to say
// it got somewhere), polling until within has passed. It reports whether
// the file appeared; if not, it marks tb failed with Errorf, which, unlike
// Fatal, is safe from a goroutine.
func WaitFile(tb testing.TB, name string, within time.Duration) bool {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, err := os.Stat(name); err == nil {
			return true
		}
		if time.Now().After(deadline) {
			tb.Errorf("%s did not appear within %v: the command never started", name, within)
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
