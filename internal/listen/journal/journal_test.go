package journal_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

var ctx = context.Background()

func mergeDelivery(id string) *store.Delivery {
	return &store.Delivery{ID: id, Event: "pull_request", ReceivedAt: time.Now(), Job: &store.Job{
		Kind: store.KindMerge, AcceptedAt: time.Now(), Progress: store.Progress{Phase: store.Pending},
		Merge: &store.Merge{Repo: "octo/demo", Number: 1, HeadSHA: "abc", BaseRef: "main", Author: "mona"},
	}}
}

func deployJob(repo string, id int64) *store.Job {
	return &store.Job{Kind: store.KindDeploy, Progress: store.Progress{Phase: store.Pending},
		Deploy: &store.Deploy{ID: id, Repo: repo, Environment: "production"}}
}

func open(t *testing.T, dir string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func TestDedupeAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	d := mergeDelivery("d-1")
	if dup, err := j.Append(ctx, d); err != nil || dup {
		t.Fatalf("first append: dup=%v err=%v", dup, err)
	}
	if d.Job.Seq == 0 || d.Job.DeliveryID != "d-1" {
		t.Fatalf("job not numbered: %+v", d.Job)
	}
	if dup, err := j.Append(ctx, mergeDelivery("d-1")); err != nil || !dup {
		t.Fatalf("second append: dup=%v err=%v", dup, err)
	}
	if jobs, _ := j.Jobs(ctx, store.KindMerge, 0, 10); len(jobs) != 1 || jobs[0].Recovered {
		t.Fatalf("open jobs before the restart = %+v", jobs)
	}
	if _, err := journal.Open(dir); !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("second Open on a held journal: %v, want ErrLocked", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, dir)
	if dup, err := j.Append(ctx, mergeDelivery("d-1")); err != nil || !dup {
		t.Fatalf("append after reopen: dup=%v err=%v", dup, err)
	}
	jobs, err := j.Jobs(ctx, store.KindMerge, 0, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Merge.HeadSHA != "abc" || jobs[0].Seq != d.Job.Seq || !jobs[0].Recovered {
		t.Fatalf("open jobs = %+v, %v", jobs, err)
	}
	if others, _ := j.Jobs(ctx, store.KindDeploy, 0, 10); len(others) != 0 {
		t.Fatalf("deploy jobs = %+v", others)
	}
	jobs[0].Progress.Phase = store.Done
	if err := j.Save(ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := j.Jobs(ctx, store.KindMerge, 0, 10); len(jobs) != 0 {
		t.Fatalf("done job still open: %+v", jobs)
	}
	// A late save of a closed job does not open it again.
	jobs[0].Progress.Phase = store.Running
	if err := j.Save(ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := j.Jobs(ctx, store.KindMerge, 0, 10); len(jobs) != 0 {
		t.Fatalf("closed job opened again: %+v", jobs)
	}
}

func TestDeploymentDedupeByID(t *testing.T) {
	j := open(t, t.TempDir())
	dep := func(delivery, repo string) *store.Delivery {
		return &store.Delivery{ID: delivery, Event: "deployment", Job: deployJob(repo, 7)}
	}
	if dup, err := j.Append(ctx, dep("a", "octo/demo")); dup || err != nil {
		t.Fatalf("dup=%v err=%v", dup, err)
	}
	// Another delivery of the same deployment (the listener created it and
	// also got GitHub's webhook) is not run twice; GitHub's names ignore case.
	if dup, err := j.Append(ctx, dep("b", "Octo/Demo")); !dup || err != nil {
		t.Fatalf("dup=%v err=%v", dup, err)
	}
	if dup, err := j.AddJob(ctx, deployJob("octo/demo", 7)); !dup || err != nil {
		t.Fatalf("AddJob dup=%v err=%v", dup, err)
	}
	if seen, _ := j.Seen("b"); seen {
		t.Fatal("a duplicate deployment's delivery was recorded")
	}
	other := deployJob("octo/demo", 8)
	if dup, err := j.AddJob(ctx, other); dup || err != nil || other.Seq == 0 {
		t.Fatalf("AddJob of a new deployment: dup=%v err=%v seq=%d", dup, err, other.Seq)
	}
}

func TestConcurrentAppendsEachOnce(t *testing.T) {
	j := open(t, t.TempDir())
	const n = 400
	var wg sync.WaitGroup
	var fresh atomic.Int32
	seqs := make([]uint64, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every ID twice, concurrently.
			d := mergeDelivery(fmt.Sprint("id-", i%(n/2)))
			dup, err := j.Append(ctx, d)
			if err != nil {
				t.Error(err)
			}
			if !dup {
				fresh.Add(1)
				seqs[i] = d.Job.Seq
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != n/2 {
		t.Fatalf("%d fresh appends, want %d", fresh.Load(), n/2)
	}
	if c, _ := j.CountDeliveries(); c != n/2 {
		t.Fatalf("%d deliveries recorded, want %d", c, n/2)
	}
	jobs, _ := j.Jobs(ctx, store.KindMerge, 0, n)
	seen := map[uint64]bool{}
	for _, s := range seqs {
		if s != 0 {
			seen[s] = true
		}
	}
	if len(jobs) != n/2 || len(seen) != n/2 {
		t.Fatalf("%d open jobs, %d distinct numbers given, want %d", len(jobs), len(seen), n/2)
	}
	for _, job := range jobs {
		if !seen[job.Seq] {
			t.Fatalf("job %d was not handed to an appender", job.Seq)
		}
	}
}

// TestCopyWhileWritingKeepsAcknowledged: a copy taken while deliveries are
// being written is what a crash at that moment leaves; it holds every
// delivery acknowledged before the copy began.
func TestCopyWhileWritingKeepsAcknowledged(t *testing.T) {
	j := open(t, t.TempDir())
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				if _, err := j.Append(ctx, mergeDelivery(id)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	// Let some writes be acknowledged, then copy while the rest go on.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	copyDir := t.TempDir()
	f, err := os.Create(filepath.Join(copyDir, journal.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	close(stop)
	wg.Wait()

	c := open(t, copyDir)
	for _, id := range before {
		if seen, err := c.Seen(id); !seen || err != nil {
			t.Fatalf("acknowledged delivery %s missing from the copy (%v)", id, err)
		}
	}
	if dup, err := c.Append(ctx, mergeDelivery(before[0])); !dup || err != nil {
		t.Fatalf("redelivery into the copy: dup=%v err=%v", dup, err)
	}
	t.Logf("%d acknowledged before the copy", len(before))
}

// writeSample makes a closed journal holding a few deliveries and jobs.
func writeSample(t *testing.T, dir string) string {
	t.Helper()
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := j.Append(ctx, mergeDelivery(fmt.Sprint("s-", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, journal.FileName)
}

// TestDamagedJournalRefused: a journal that is not sound is reported,
// naming the file and how to start empty, and left exactly as it was.
func TestDamagedJournalRefused(t *testing.T) {
	const page = 4096 // bbolt's page size here (os.Getpagesize on linux/amd64 and arm64)
	cases := []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"empty file", func([]byte) []byte { return nil }},
		{"both meta pages", func(b []byte) []byte {
			b[page/2], b[page+page/2] = b[page/2]^0xff, b[page+page/2]^0xff
			b[20], b[page+20] = b[20]^0x5a, b[page+20]^0x5a
			return b
		}},
		{"truncated", func(b []byte) []byte { return b[:page+100] }},
		{"every data page's header", func(b []byte) []byte {
			for off := 2 * page; off+16 <= len(b); off += page {
				for i := range 16 {
					b[off+i] ^= 0xa5
				}
			}
			return b
		}},
		{"leaf page contents", func(b []byte) []byte {
			for off := 2 * page; off+page <= len(b); off += page {
				if flags := binary.LittleEndian.Uint16(b[off+8:]); flags == 0x02 { // a leaf
					for i := 16; i < 64; i++ {
						b[off+i] ^= 0xff
					}
				}
			}
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			name := writeSample(t, dir)
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			damaged := c.damage(b)
			if err := os.WriteFile(name, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := journal.Open(dir)
			if err == nil {
				j.Close()
				t.Fatal("a damaged journal opened")
			}
			var de *journal.DamagedError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "move it aside") {
				t.Fatalf("error %q does not name the file and what to do", err)
			}
			after, _ := os.ReadFile(name)
			if !bytes.Equal(after, damaged) {
				t.Fatal("the damaged journal was changed")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("state directory holds %d entries, want only the journal", len(entries))
			}
		})
	}
}

// TestStateDirDeletedWhileOpen: writes into a journal whose file is gone
// would be lost at the next start, so they fail, and Check says why.
func TestStateDirDeletedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	if err := j.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(ctx, mergeDelivery("x")); err == nil {
		t.Fatal("append into a deleted journal succeeded")
	}
	if err := j.Check(ctx); err == nil || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("Check = %v", err)
	}
}

func TestOldDeliveriesForgotten(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	old := mergeDelivery("old")
	old.ReceivedAt = time.Now().Add(-journal.Retention - time.Hour)
	old.Job = nil
	if _, err := j.Append(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(ctx, &store.Delivery{ID: "new", ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = open(t, dir)
	if seen, _ := j.Seen("old"); seen {
		t.Error("a delivery older than the retention is still remembered")
	}
	if seen, _ := j.Seen("new"); !seen {
		t.Error("a recent delivery was forgotten")
	}
}

func TestLogTokens(t *testing.T) {
	j := open(t, t.TempDir())
	job := deployJob("octo/demo", 1)
	if _, err := j.AddJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	job.Progress = store.Progress{Phase: store.Done, LogToken: "tok", LogFile: "logs/x.log"}
	if err := j.Save(ctx, job); err != nil {
		t.Fatal(err)
	}
	if name, err := j.LogFile(ctx, "tok"); name != "logs/x.log" || err != nil {
		t.Fatalf("LogFile = %q, %v", name, err)
	}
	if name, _ := j.LogFile(ctx, "other"); name != "" {
		t.Fatalf("unknown token resolves to %q", name)
	}
}

// TestOnlyTheJournalFile (D12): the journal is journal.db and nothing else
// (no log segments zero-filled ahead, no lock file), open or closed.
func TestOnlyTheJournalFile(t *testing.T) {
	dir := t.TempDir()
	j := open(t, dir)
	for i := range 100 {
		if _, err := j.Append(ctx, mergeDelivery(fmt.Sprint("f-", i))); err != nil {
			t.Fatal(err)
		}
	}
	names := func() string {
		entries, _ := os.ReadDir(dir)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return strings.Join(out, " ")
	}
	if got := names(); got != journal.FileName {
		t.Fatalf("open journal: state directory holds %s", got)
	}
	j.Close()
	if got := names(); got != journal.FileName {
		t.Fatalf("closed journal: state directory holds %s", got)
	}
}

// TestOldLogRefused: log segments of the journal before this one hold
// acknowledged deliveries it cannot read: Open refuses, naming one, and
// leaves them.
func TestOldLogRefused(t *testing.T) {
	dir := t.TempDir()
	seg := filepath.Join(dir, "journal-00000001.wal")
	if err := os.WriteFile(seg, []byte("old records"), 0o600); err != nil {
		t.Fatal(err)
	}
	if j, err := journal.Open(dir); err == nil || !strings.Contains(err.Error(), seg) {
		if j != nil {
			j.Close()
		}
		t.Fatalf("Open beside an old log: %v", err)
	}
	if b, _ := os.ReadFile(seg); string(b) != "old records" {
		t.Fatal("the old log was changed")
	}
}
