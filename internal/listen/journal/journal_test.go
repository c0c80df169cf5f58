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
func crash(t *testing.T, s *Store) {
	t.Helper()
	s.closeOnce.Do(func() { close(s.closing) })
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
	s.ckMu.Unlock()
	s.mu.Lock()
	s.unapplied = nil // as if the process died now
	s.mu.Unlock()
	crash(t, s)
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
	seg, end, alloc := s.seg.name, s.seg.size, s.seg.alloc
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if end <= growChunk || alloc < end || alloc%growChunk != 0 || fi.Size() != alloc {
		t.Fatalf("records end at %d, zero-filled to %d, file is %d bytes; want whole chunks of %d past the records", end, alloc, fi.Size(), growChunk)
	}
	s.ckMu.Unlock()
	s.mu.Lock()
	s.unapplied = nil // as if the process died now
	s.mu.Unlock()
	crash(t, s)

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

// TestBurstSharesSyncs: writes that come together share syncs, and after a
// sync that carried several the next waits (commitDelay) to carry more;
// writes one at a time are synced at once, each.
func TestBurstSharesSyncs(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.Append(mergeDelivery(fmt.Sprint("one-", i))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // the counters are the writer's: read them once it has ended
	if s.syncs != 50 || s.paced != 0 {
		t.Fatalf("50 writes one at a time: %d syncs, %d paced; want 50 and 0", s.syncs, s.paced)
	}

	s, err = Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := s.Append(mergeDelivery(fmt.Sprint("burst-", g, "-", i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s.Close()
	if s.syncs > 64*20/8 || s.paced == 0 {
		t.Fatalf("1,280 writes from 64 goroutines: %d syncs, %d paced; want at most 160 syncs, some paced", s.syncs, s.paced)
	}
	t.Logf("1,280 writes from 64 goroutines: %d syncs, %d of them paced", s.syncs, s.paced)
}
