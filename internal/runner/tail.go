package runner

import (
	"fmt"
	"io"
	"os"
	"time"
)

// MaxLog is the size a log given a LogLimit of MaxLog is kept to: past it,
// the earliest output is dropped and the latest half kept, so a command
// that writes without end cannot fill the disk, and the end of its output,
// where the error usually is, stays.
const MaxLog = 16 << 20

// tailFile appends to a log file and keeps it under limit bytes: when a
// write takes it past limit, everything after the first head bytes (what
// was there before the command ran) but the last limit/2 is dropped and a
// line says how much.
type tailFile struct {
	f           *os.File
	limit, head int64
	size        int64
	dropped     int64
}

func newTailFile(f *os.File, limit int64) *tailFile {
	t := &tailFile{f: f, limit: limit}
	if st, err := f.Stat(); err == nil {
		t.head, t.size = st.Size(), st.Size()
	}
	return t
}

func (t *tailFile) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	t.size += int64(n)
	if err == nil && t.size > t.limit && t.limit > t.head {
		err = t.trim()
	}
	return n, err
}

// trim rewrites the file through a descriptor of its own (WriteAt is not
// allowed on one opened O_APPEND, as a deploy log is) and moves the
// writer's offset to the new end (for one that is not).
func (t *tailFile) trim() error {
	rw, err := os.OpenFile(t.f.Name(), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer rw.Close()
	keep := (t.limit - t.head) / 2
	tail := make([]byte, keep)
	if _, err := rw.ReadAt(tail, t.size-keep); err != nil {
		return err
	}
	t.dropped += t.size - t.head - keep
	mark := fmt.Sprintf("deployctl: %d bytes of output dropped here (a deploy log keeps the last %d)\n", t.dropped, keep)
	if _, err := rw.WriteAt(append([]byte(mark), tail...), t.head); err != nil {
		return err
	}
	t.size = t.head + int64(len(mark)) + keep
	if err := rw.Truncate(t.size); err != nil {
		return err
	}
	_, err = t.f.Seek(t.size, io.SeekStart)
	return err
}

// copyLog copies what the command writes (r, the read end of its output
// pipe) into the log until the pipe closes; after done is closed (the
// group is gone) it waits at most a moment more: a process that left the
// group may hold the pipe open for ever.
func copyLog(w io.Writer, r *os.File, done <-chan struct{}) <-chan struct{} {
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(w, r)
	}()
	out := make(chan struct{})
	go func() {
		defer close(out)
		select {
		case <-copied:
			return
		case <-done:
		}
		t := time.NewTimer(time.Second)
		defer t.Stop()
		select {
		case <-copied:
		case <-t.C:
			r.Close() // io.Copy returns
			<-copied
		}
	}()
	return out
}
