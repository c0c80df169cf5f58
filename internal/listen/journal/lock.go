package journal

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// LockName is the file in the state directory whose lock says a listener
// holds the journal. It is locked for the Store's whole life, not the index
// file, because compaction closes the index and replaces it: a lock on the
// index would be let go in between.
const LockName = "journal.lock"

// errNoDirLock: this platform has no file lock here; the index's own lock
// is then the only guard and the index is never replaced while open.
var errNoDirLock = errors.New("no file locks on this platform")

// lockDir locks dir's LockName, waiting up to timeout for a listener that
// is exiting; ErrLocked when another one holds it. Closing the file unlocks.
func lockDir(dir string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		held, err := tryLock(f)
		if err != nil || !held {
			if err == nil && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			f.Close()
			if err == nil {
				err = ErrLocked
			}
			return nil, err
		}
		return f, nil
	}
}
