// Package journal is the listener's durable memory: every accepted webhook
// delivery, the work it asked for and how far that work got, in one bbolt
// file under the state directory. A delivery is on disk (fsynced) before
// Append returns, so the listener may acknowledge it; concurrent appends
// share one commit (group commit), which keeps the acknowledgement fast under
// load. Delivery IDs are remembered, so a redelivery is recognised also after
// a restart.
package journal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the journal's file inside the state directory.
const FileName = "journal.db"

// Retention is how long delivery IDs are remembered. GitHub redelivers on
// request for three days; a week leaves room.
const Retention = 7 * 24 * time.Hour

var (
	bucketDeliveries  = []byte("deliveries")  // delivery ID -> deliveryRecord
	bucketJobs        = []byte("jobs")        // seq (big endian) -> Job, while not done
	bucketDeployments = []byte("deployments") // "owner/repo#id" -> seq, deployments ever taken on
	bucketLogs        = []byte("logs")        // log token -> log file name
)

// ErrLocked means another process holds the journal (another listener on
// the same --state-dir).
var ErrLocked = errors.New("the state directory is in use by another listener")

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("journal closed")

// Store is an open journal. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	reqs chan *writeReq

	closeOnce sync.Once
	closing   chan struct{}
	stopped   chan struct{}
}

type writeReq struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// Open opens (creating it if needed) the journal in dir and forgets
// deliveries older than Retention.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{
		Timeout:        time.Second,
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("journal %s: %w", dir, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", dir, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDeliveries, bucketJobs, bucketDeployments, bucketLogs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return prune(tx, time.Now().Add(-Retention))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("journal %s: %w", dir, err)
	}
	s := &Store{db: db, reqs: make(chan *writeReq, 1024), closing: make(chan struct{}), stopped: make(chan struct{})}
	go s.writer()
	return s, nil
}

// Close waits for pending writes and closes the file.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	<-s.stopped
	return s.db.Close()
}

// maxBatch bounds one commit, so a burst cannot make one transaction huge.
const maxBatch = 512

// writer is the only goroutine that writes: it takes whatever requests are
// waiting, applies them in one transaction and syncs once for all of them.
func (s *Store) writer() {
	defer close(s.stopped)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case r := <-s.reqs:
			batch = append(batch[:0], r)
		case <-s.closing:
			// Finish what was queued before Close.
			for {
				select {
				case r := <-s.reqs:
					s.commit([]*writeReq{r})
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// commit applies a batch in one transaction. A request whose function fails
// is rolled back alone (through a nested retry without it), so one bad
// record cannot fail its neighbours.
func (s *Store) commit(batch []*writeReq) {
	errs := make([]error, len(batch))
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, r := range batch {
			errs[i] = r.fn(tx)
			if errs[i] != nil {
				return errBatch
			}
		}
		return nil
	})
	if errors.Is(err, errBatch) && len(batch) > 1 {
		// Rare: redo one by one so each gets its own answer.
		for _, r := range batch {
			s.commit([]*writeReq{r})
		}
		return
	}
	for i, r := range batch {
		if errs[i] != nil {
			r.done <- errs[i]
		} else {
			r.done <- err
		}
	}
}

var errBatch = errors.New("batch member failed")

// write runs fn in a write transaction shared with other writers and returns
// once it is on disk.
func (s *Store) write(fn func(*bolt.Tx) error) error {
	r := &writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case <-s.closing:
		return ErrClosed
	case s.reqs <- r:
	}
	return <-r.done
}

// Delivery is an accepted webhook delivery.
type Delivery struct {
	ID         string
	Event      string
	ReceivedAt time.Time
	// Job is the work the delivery asks for; nil when it is only recorded.
	Job *Job
}

type deliveryRecord struct {
	Event      string    `json:"event"`
	ReceivedAt time.Time `json:"received_at"`
	Job        uint64    `json:"job,omitempty"`
}

// Append records d and its job. It reports dup=true, and records nothing,
// when d's ID was seen before, or when d's job is a deployment the journal
// already holds. On success d.Job.Seq is set.
func (s *Store) Append(d *Delivery) (dup bool, err error) {
	err = s.write(func(tx *bolt.Tx) error {
		dup = false
		deliveries := tx.Bucket(bucketDeliveries)
		if deliveries.Get([]byte(d.ID)) != nil {
			dup = true
			return nil
		}
		rec := deliveryRecord{Event: d.Event, ReceivedAt: d.ReceivedAt}
		if d.Job != nil {
			if d.Job.Kind == KindDeploy {
				key := []byte(d.Job.Deploy.Key())
				if tx.Bucket(bucketDeployments).Get(key) != nil {
					dup = true
					return nil
				}
			}
			jobs := tx.Bucket(bucketJobs)
			seq, err := jobs.NextSequence()
			if err != nil {
				return err
			}
			d.Job.Seq, d.Job.DeliveryID = seq, d.ID
			if d.Job.Kind == KindDeploy {
				if err := tx.Bucket(bucketDeployments).Put([]byte(d.Job.Deploy.Key()), seqKey(seq)); err != nil {
					return err
				}
			}
			if err := putJob(tx, d.Job); err != nil {
				return err
			}
			rec.Job = seq
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return deliveries.Put([]byte(d.ID), b)
	})
	return dup, err
}

// Seen reports whether a delivery ID is recorded.
func (s *Store) Seen(id string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketDeliveries).Get([]byte(id)) != nil
		return nil
	})
	return ok, err
}

// CountDeliveries is how many delivery IDs are remembered.
func (s *Store) CountDeliveries() (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketDeliveries).Stats().KeyN
		return nil
	})
	return n, err
}

// AddJob records a job that no delivery brought (a deployment the listener
// created itself and runs without waiting for GitHub's webhook). dup is true
// when the deployment is already known.
func (s *Store) AddJob(j *Job) (dup bool, err error) {
	err = s.write(func(tx *bolt.Tx) error {
		dup = false
		if j.Kind == KindDeploy {
			key := []byte(j.Deploy.Key())
			if tx.Bucket(bucketDeployments).Get(key) != nil {
				dup = true
				return nil
			}
		}
		seq, err := tx.Bucket(bucketJobs).NextSequence()
		if err != nil {
			return err
		}
		j.Seq = seq
		if j.Kind == KindDeploy {
			if err := tx.Bucket(bucketDeployments).Put([]byte(j.Deploy.Key()), seqKey(seq)); err != nil {
				return err
			}
		}
		return putJob(tx, j)
	})
	return dup, err
}

// Save records a job's progress. A job saved with Phase Done is removed from
// the open jobs (its log token stays servable).
func (s *Store) Save(j *Job) error {
	cp := *j
	return s.write(func(tx *bolt.Tx) error {
		if cp.Progress.LogToken != "" && cp.Progress.LogFile != "" {
			if err := tx.Bucket(bucketLogs).Put([]byte(cp.Progress.LogToken), []byte(cp.Progress.LogFile)); err != nil {
				return err
			}
		}
		if cp.Progress.Phase == Done {
			return tx.Bucket(bucketJobs).Delete(seqKey(cp.Seq))
		}
		return putJob(tx, &cp)
	})
}

// Open returns the jobs not done yet, oldest first.
func (s *Store) Open() ([]*Job, error) {
	var out []*Job
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			j := new(Job)
			if err := json.Unmarshal(v, j); err != nil {
				return fmt.Errorf("job %x: %w", k, err)
			}
			out = append(out, j)
			return nil
		})
	})
	return out, err
}

// LogFile returns the log file name registered for token, or "".
func (s *Store) LogFile(token string) (string, error) {
	var name string
	err := s.db.View(func(tx *bolt.Tx) error {
		name = string(tx.Bucket(bucketLogs).Get([]byte(token)))
		return nil
	})
	return name, err
}

func putJob(tx *bolt.Tx, j *Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketJobs).Put(seqKey(j.Seq), b)
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

// prune forgets delivery IDs received before cutoff.
func prune(tx *bolt.Tx, cutoff time.Time) error {
	b := tx.Bucket(bucketDeliveries)
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var rec deliveryRecord
		if json.Unmarshal(v, &rec) == nil && rec.ReceivedAt.Before(cutoff) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
