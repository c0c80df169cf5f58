package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

func appendAll(t *testing.T, s *Store, ds []*Delivery) {
	t.Helper()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if dup, err := s.Append(d); dup || err != nil {
				t.Errorf("append %s: dup=%v err=%v", d.ID, dup, err)
			}
		}()
	}
	wg.Wait()
}

func indexSize(t *testing.T, dir string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCompactionAfterBurst: a burst of bulky jobs grows the index; once they
// are done and the index is idle, maintain rewrites it to its live data, and
// nothing it remembers is lost (delivery IDs, deployments, log tokens, job
// numbers), while deliveries keep coming during the compaction.
func TestCompactionAfterBurst(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if s.lock == nil {
		t.Skip("no file locks on this platform: no compaction")
	}
	var burst []*Delivery
	for i := range 1500 {
		d := mergeDelivery(fmt.Sprint("burst-", i))
		d.Job.Merge.HeadRef = strings.Repeat("r", 4<<10)
		burst = append(burst, d)
	}
	appendAll(t, s, burst)
	if err := s.checkpoint(); err != nil { // the backlog is in the index
		t.Fatal(err)
	}
	dep := &Job{Kind: KindDeploy, Deploy: &Deploy{ID: 42, Repo: "octo/demo", Environment: "qa"}}
	if dup, err := s.AddJob(dep); dup || err != nil {
		t.Fatalf("AddJob dup=%v err=%v", dup, err)
	}
	dep.Progress = Progress{Phase: Done, LogToken: "tok", LogFile: "logs/42.log"}
	if err := s.Save(dep); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, d := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := *d.Job
			j.Progress.Phase = Done
			if err := s.Save(&j); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if open, err := s.Jobs(KindMerge, 0, 10); err != nil || len(open) != 0 {
		t.Fatalf("open merges after the burst: %d, %v", len(open), err)
	}
	before := indexSize(t, dir)
	free, live, err := s.space()
	if err != nil || free < compactMinFree || free < live {
		t.Fatalf("after the burst: %d bytes free, %d live (%v); the test needs a bloated index", free, live, err)
	}
	lastSeq := s.LastSeq()

	// Deliveries keep arriving while the index is compacted.
	var during []*Delivery
	for i := range 200 {
		during = append(during, mergeDelivery(fmt.Sprint("during-", i)))
	}
	done := make(chan struct{})
	go func() { defer close(done); appendAll(t, s, during) }()
	// Idle by then, whatever the appends above still applied (but not due a prune).
	if err := s.maintain(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	<-done

	after := indexSize(t, dir)
	t.Logf("index %d -> %d bytes", before, after)
	if after*4 > before {
		t.Errorf("index %d bytes after compaction, %d before", after, before)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+compactSuffix)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("compaction left its temporary file: %v", err)
	}
	added := 0 // by check
	check := func(s *Store) {
		t.Helper()
		if n, err := s.CountDeliveries(); err != nil || n != len(burst)+len(during)+added {
			t.Errorf("%d deliveries remembered (%v), want %d", n, err, len(burst)+len(during)+added)
		}
		if dup, err := s.Append(mergeDelivery("burst-7")); !dup || err != nil {
			t.Errorf("a burst delivery again: dup=%v err=%v", dup, err)
		}
		if dup, err := s.AddJob(&Job{Kind: KindDeploy, Deploy: &Deploy{ID: 42, Repo: "octo/demo"}}); !dup || err != nil {
			t.Errorf("the deployment again: dup=%v err=%v", dup, err)
		}
		if name, err := s.LogFile("tok"); name != "logs/42.log" || err != nil {
			t.Errorf("log file %q, %v", name, err)
		}
		open, err := s.Jobs(KindMerge, 0, 1000)
		if err != nil || len(open) != len(during)+added {
			t.Errorf("%d open merges (%v), want the %d that came during compaction and %d since", len(open), err, len(during), added)
		}
		d := mergeDelivery(fmt.Sprint("new-", added))
		if _, err := s.Append(d); err != nil || d.Job.Seq <= lastSeq+uint64(len(during)+added) {
			t.Errorf("new job numbered %d (%v) after %d and %d more", d.Job.Seq, err, lastSeq, len(during)+added)
		}
		added++
	}
	check(s)

	// The lock is held across the swap, and the compacted index is what the
	// next start opens.
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open on a held journal after compaction: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	check(s)
}

// TestCompactionNotWhenBusyOrSmall: the index is compacted only once no
// record was applied for idleAfter, and only when it is mostly free pages.
func TestCompactionNotWhenBusyOrSmall(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendAll(t, s, []*Delivery{mergeDelivery("a"), mergeDelivery("b")})
	if err := s.checkpoint(); err != nil {
		t.Fatal(err)
	}
	s.ckMu.Lock()
	applied := s.lastApply
	s.ckMu.Unlock()
	ino := func() os.FileInfo {
		fi, err := os.Stat(filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	first := ino()
	for _, at := range []time.Time{applied.Add(idleAfter / 2), applied.Add(idleAfter)} {
		if err := s.maintain(at); err != nil {
			t.Fatal(err)
		}
	}
	if !os.SameFile(first, ino()) {
		t.Fatal("a small index was replaced")
	}
}

// TestLeftoverCompactionRemoved: a compaction a crash interrupted leaves a
// partial file, which the next Open deletes; the index in place is intact.
func TestLeftoverCompactionRemoved(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, []*Delivery{mergeDelivery("kept")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, FileName+compactSuffix)
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover compaction file: %v", err)
	}
	if seen, err := s.Seen("kept"); !seen || err != nil {
		t.Errorf("Seen(kept) = %v, %v", seen, err)
	}
}

// TestIdleGivesMemoryBack: once the journal has been idle for idleAfter, the
// process's free memory goes back to the OS, once an idle period.
func TestIdleGivesMemoryBack(t *testing.T) {
	calls := 0
	freeOSMemory = func() { calls++ }
	t.Cleanup(func() { freeOSMemory = debug.FreeOSMemory })
	s := openTemp(t)
	s.ckMu.Lock() // the checkpointer stays out of this: the test calls it
	defer s.ckMu.Unlock()
	busy := func() {
		t.Helper()
		if _, err := s.Append(mergeDelivery(fmt.Sprint("idle-", calls, time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
		s.ckMu.Unlock()
		if err := s.checkpoint(); err != nil {
			t.Fatal(err)
		}
		s.ckMu.Lock()
	}
	maintain := func(at time.Time) {
		t.Helper()
		s.ckMu.Unlock()
		defer s.ckMu.Lock()
		if err := s.maintain(at); err != nil {
			t.Fatal(err)
		}
	}

	busy()
	maintain(time.Now()) // just applied: not idle
	if calls != 0 {
		t.Fatalf("memory given back %d times while busy", calls)
	}
	idle := time.Now().Add(idleAfter)
	maintain(idle)
	maintain(idle.Add(time.Second))
	if calls != 1 {
		t.Fatalf("memory given back %d times in one idle period, want 1", calls)
	}
	busy()
	maintain(time.Now().Add(idleAfter))
	if calls != 2 {
		t.Fatalf("memory given back %d times after a second busy period, want 2", calls)
	}
}
