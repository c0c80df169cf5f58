package journal

import (
	"errors"
	"fmt"
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
	jobs, err := s.Open()
	if err != nil || len(jobs) != 1 || jobs[0].Merge.HeadSHA != "abc" {
		t.Fatalf("open jobs = %+v, %v", jobs, err)
	}
	jobs[0].Progress.Phase = Done
	if err := s.Save(jobs[0]); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := s.Open(); len(jobs) != 0 {
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
