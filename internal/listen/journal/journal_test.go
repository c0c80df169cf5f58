package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func mergeDelivery(id string) *Delivery {
	return &Delivery{ID: id, Event: "pull_request", ReceivedAt: time.Now(), Job: &Job{
		Kind: KindMerge, AcceptedAt: time.Now(), Progress: Progress{Phase: Pending},
		Merge: &Merge{Repo: "octo/demo", Number: 1, HeadSHA: "abc", BaseRef: "main", Author: "mona"},
	}}
}

func TestAppendDedupeAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := mergeDelivery("d-1")
	if dup, err := s.Append(d); err != nil || dup {
		t.Fatalf("first append: dup=%v err=%v", dup, err)
	}
	if d.Job.Seq == 0 || d.Job.DeliveryID != "d-1" {
		t.Fatalf("job not numbered: %+v", d.Job)
	}
	if dup, err := s.Append(mergeDelivery("d-1")); err != nil || !dup {
		t.Fatalf("second append: dup=%v err=%v", dup, err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open on a held journal: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if dup, err := s.Append(mergeDelivery("d-1")); err != nil || !dup {
		t.Fatalf("append after reopen: dup=%v err=%v", dup, err)
	}
	jobs, err := s.Jobs(KindMerge, 0, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Merge.HeadSHA != "abc" {
		t.Fatalf("open jobs = %+v, %v", jobs, err)
	}
	jobs[0].Progress.Phase = Done
	if err := s.Save(jobs[0]); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := s.Jobs(KindMerge, 0, 10); len(jobs) != 0 {
		t.Fatalf("done job still open: %+v", jobs)
	}
}

func TestDeploymentDedupeByID(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dep := func(delivery string) *Delivery {
		return &Delivery{ID: delivery, Event: "deployment", Job: &Job{Kind: KindDeploy,
			Deploy: &Deploy{ID: 7, Repo: "octo/demo", Environment: "production"}}}
	}
	if dup, err := s.Append(dep("a")); dup || err != nil {
		t.Fatalf("dup=%v err=%v", dup, err)
	}
	// Another delivery of the same deployment (say the listener created it
	// and also got GitHub's webhook) is not run twice.
	if dup, err := s.Append(dep("b")); !dup || err != nil {
		t.Fatalf("dup=%v err=%v", dup, err)
	}
	if dup, err := s.AddJob(dep("c").Job); !dup || err != nil {
		t.Fatalf("AddJob dup=%v err=%v", dup, err)
	}
}

func TestConcurrentAppendsEachOnce(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 400
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every ID twice, concurrently.
			dup, err := s.Append(mergeDelivery(fmt.Sprint("id-", i%(n/2))))
			if err != nil {
				t.Error(err)
			}
			if !dup {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if fresh != n/2 {
		t.Fatalf("%d fresh appends, want %d", fresh, n/2)
	}
	if c, _ := s.CountDeliveries(); c != n/2 {
		t.Fatalf("%d deliveries recorded, want %d", c, n/2)
	}
}

// crash stops s as a killed process would: no checkpoint, files left as they are.
// dieNow is a crash with records acknowledged but not yet in the index:
// they are only in the log. The caller holds ckMu, so no checkpoint has
// applied them.
func dieNow(t *testing.T, s *Store) {
	t.Helper()
	s.mu.Lock()
	s.unapplied = nil
	s.mu.Unlock()
	s.ckMu.Unlock()
	crash(t, s)
}

// openTemp opens a journal in a new directory, closed when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func crash(t *testing.T, s *Store) {
	t.Helper()
	s.stop()
	s.wg.Wait()
	s.seg.f.Close()
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	if s.lock != nil {
		s.lock.Close()
	}
}

// TestReplayAfterCrash: what was acknowledged is in the log only (the index
// has not caught up); the next Open applies it, dedupe included, and ignores
// a torn record at the end.
func TestReplayAfterCrash(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.ckMu.Lock() // no checkpoint may run: everything stays in the log
	var seqs []uint64
	for i := range 5 {
		d := mergeDelivery(fmt.Sprint("c-", i))
		if dup, err := s.Append(d); dup || err != nil {
			t.Fatalf("dup=%v err=%v", dup, err)
		}
		seqs = append(seqs, d.Job.Seq)
	}
	dep := &Job{Kind: KindDeploy, Deploy: &Deploy{ID: 9, Repo: "octo/demo", Environment: "qa"}, Progress: Progress{Phase: Pending}}
	if dup, err := s.AddJob(dep); dup || err != nil {
		t.Fatalf("AddJob dup=%v err=%v", dup, err)
	}
	done := mergeDelivery("c-0").Job
	done.Seq, done.Progress.Phase = seqs[0], Done
	if err := s.Save(done); err != nil {
		t.Fatal(err)
	}
	running := mergeDelivery("c-1").Job
	running.Seq, running.Progress = seqs[1], Progress{Phase: Pending, Attempts: 3, LogToken: "tok", LogFile: "logs/x.log"}
	if err := s.Save(running); err != nil {
		t.Fatal(err)
	}
	seg, end := s.seg.name, s.seg.size
	dieNow(t, s)
	f, err := os.OpenFile(seg, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{200, 0, 0, 0, 1, 2, 3}, end) // a torn write, the preallocated zeros after it
	f.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if dup, err := s.Append(mergeDelivery("c-3")); !dup || err != nil {
		t.Fatalf("replayed delivery not deduplicated: dup=%v err=%v", dup, err)
	}
	if dup, err := s.AddJob(&Job{Kind: KindDeploy, Deploy: &Deploy{ID: 9, Repo: "octo/demo", Environment: "qa"}}); !dup || err != nil {
		t.Fatalf("replayed deployment not deduplicated: dup=%v err=%v", dup, err)
	}
	merges, err := s.Jobs(KindMerge, 0, 100)
	if err != nil || len(merges) != 4 || merges[0].Seq != seqs[1] || merges[0].Progress.Attempts != 3 {
		t.Fatalf("open merges %+v %v", merges, err)
	}
	if page, _ := s.Jobs(KindMerge, merges[1].Seq, 2); len(page) != 2 || page[0].Seq != merges[2].Seq {
		t.Fatalf("page after %d: %+v", merges[1].Seq, page)
	}
	deploys, _ := s.Jobs(KindDeploy, 0, 100)
	if len(deploys) != 1 || deploys[0].Deploy.ID != 9 {
		t.Fatalf("open deployments %+v", deploys)
	}
	if name, _ := s.LogFile("tok"); name != "logs/x.log" {
		t.Fatalf("log file %q", name)
	}
	if s.LastSeq() < dep.Seq {
		t.Fatalf("LastSeq %d, want at least %d", s.LastSeq(), dep.Seq)
	}
	if d := mergeDelivery("c-new"); func() bool { s.Append(d); return d.Job.Seq <= dep.Seq }() {
		t.Fatalf("job numbers reused after replay")
	}
	if ns, _ := segments(dir); len(ns) != 1 {
		t.Fatalf("segments after replay: %v", ns)
	}
}

func BenchmarkAppend(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(16)
	var i int64
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i++
			id := fmt.Sprint("id-", i)
			mu.Unlock()
			if _, err := s.Append(mergeDelivery(id)); err != nil {
				b.Error(err)
			}
		}
	})
}

// TestLogGrowsInChunks: the log is zero-filled ahead of its records, a chunk
// at a time, and records on both sides of a chunk's end are replayed.
func TestLogGrowsInChunks(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.ckMu.Lock() // everything stays in the log
	big := json.RawMessage(`{"blob":"` + strings.Repeat("x", 100<<10) + `"}`)
	const n = 15 // 1.5 MiB: past the first chunk
	for i := range n {
		j := &Job{Kind: KindDeploy, Deploy: &Deploy{ID: int64(i + 1), Repo: "octo/demo", Environment: "qa", Payload: big}, Progress: Progress{Phase: Pending}}
		if dup, err := s.AddJob(j); dup || err != nil {
			t.Fatalf("AddJob %d: dup=%v err=%v", i, dup, err)
		}
	}
	seg, end, alloc := s.seg.name, s.seg.size, s.seg.alloc.Load()
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if end <= growChunk || alloc < end || alloc%growChunk != 0 || fi.Size() != alloc {
		t.Fatalf("records end at %d, zero-filled to %d, file is %d bytes; want whole chunks of %d past the records", end, alloc, fi.Size(), growChunk)
	}
	dieNow(t, s)

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deploys, err := s.Jobs(KindDeploy, 0, 100)
	if err != nil || len(deploys) != n {
		t.Fatalf("replayed %d deployments (%v), want %d", len(deploys), err, n)
	}
	if got := deploys[n-1].Deploy; got.ID != n || !bytes.Equal(got.Payload, big) {
		t.Fatalf("last deployment replayed as ID %d with a %d-byte payload", got.ID, len(got.Payload))
	}
}

// TestBurstSharesSyncs: writes that come together share syncs; after a
// sync that carried paceAfter or more, the next waits (commitDelay) and
// carries the writes that came meanwhile. Writes one at a time, or from a
// few writers, are synced at once.
func TestBurstSharesSyncs(t *testing.T) {
	run := func(writers, each int) *Store {
		t.Helper()
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range writers {
			wg.Go(func() {
				for i := range each {
					if _, err := s.Append(mergeDelivery(fmt.Sprint(g, "-", i))); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		s.Close() // the counters are the writer's: read them once it has ended
		return s
	}
	if s := run(1, 50); s.syncs != 50 || s.paced != 0 {
		t.Errorf("50 writes one at a time: %d syncs, %d paced; want 50 and 0", s.syncs, s.paced)
	}
	if s := run(paceAfter/2, 50); s.paced != 0 {
		t.Errorf("%d writers: %d of %d syncs paced; want none", paceAfter/2, s.paced, s.syncs)
	}
	s := run(64, 20)
	if s.syncs > 64*20/8 || s.pacedWrites == 0 {
		t.Fatalf("1,280 writes from 64 goroutines: %d syncs, %d paced carrying %d writes that came during the wait; want at most 160 syncs, and paced ones carrying some", s.syncs, s.paced, s.pacedWrites)
	}
	t.Logf("1,280 writes from 64 goroutines: %d syncs; %d paced, with %d writes that came during the wait", s.syncs, s.paced, s.pacedWrites)
}

// TestRotationKeepsEveryWrite: segments are retired and new ones started
// while writes go on; a crash at any moment after leaves every acknowledged
// delivery in the log or the index.
func TestRotationKeepsEveryWrite(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.ckMu.Lock()
	s.rotateAt = 8 << 10 // a new segment every ~30 deliveries
	s.ckMu.Unlock()
	var acked sync.Map
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				id := fmt.Sprint("rot-", g, "-", i)
				if dup, err := s.Append(mergeDelivery(id)); err != nil || dup {
					t.Errorf("%s: dup=%v err=%v", id, dup, err)
					return
				}
				acked.Store(id, true)
			}
		})
	}
	stop := make(chan struct{})
	rotations := 0
	checkpoints := make(chan struct{})
	go func() {
		defer close(checkpoints)
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.mu.Lock()
			n := s.seg.n
			s.mu.Unlock()
			if err := s.checkpoint(); err != nil {
				t.Error(err)
			}
			s.mu.Lock()
			if s.seg.n != n {
				rotations++
			}
			s.mu.Unlock()
		}
	}()
	wg.Wait()
	close(stop)
	<-checkpoints
	if rotations < 5 {
		t.Fatalf("%d rotations; the test needs several", rotations)
	}
	s.ckMu.Lock()
	dieNow(t, s)

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	acked.Range(func(k, _ any) bool {
		n++
		if seen, err := s.Seen(k.(string)); !seen || err != nil {
			t.Errorf("acknowledged delivery %s lost after %d rotations (err %v)", k, rotations, err)
		}
		return true
	})
	if n != 800 {
		t.Fatalf("%d deliveries acknowledged, want 800", n)
	}
}

// TestZerosStayAhead: a checkpoint keeps growAhead bytes of zeros ahead of
// the records, so the writer seldom extends the file itself.
func TestZerosStayAhead(t *testing.T) {
	s := openTemp(t)
	if a := s.seg.alloc.Load(); a != growChunk {
		t.Fatalf("a new segment has %d bytes of zeros, want %d", a, growChunk)
	}
	if _, err := s.Append(mergeDelivery("ahead")); err != nil {
		t.Fatal(err)
	}
	if err := s.checkpoint(); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	size, alloc := s.seg.size, s.seg.alloc.Load()
	s.mu.Unlock()
	if alloc-size < growAhead {
		t.Fatalf("after a checkpoint: records end at %d, zeros at %d; want %d bytes ahead", size, alloc, growAhead)
	}
}

// TestWriteRacingClose: a write that races Close is either done or refused
// with ErrClosed; none waits forever.
func TestWriteRacingClose(t *testing.T) {
	for round := range 20 {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 50 {
			wg.Go(func() {
				for i := 0; ; i++ {
					if _, err := s.Append(mergeDelivery(fmt.Sprint(round, "-", g, "-", i))); err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Error(err)
						}
						return
					}
				}
			})
		}
		time.Sleep(time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: writes still waiting 10 s after Close", round)
		}
	}
}
