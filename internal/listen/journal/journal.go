// Package journal is the listener's durable memory on one machine: every
// accepted webhook delivery, the work it asked for and how far that work
// got, in one bbolt file (journal.db) under the state directory. Every write
// is a bbolt transaction, committed (and synced) before it returns;
// concurrent writers share a transaction (bbolt's DB.Batch), so a burst of
// deliveries costs a few syncs, not one each. Delivery IDs are remembered
// for Retention, so a redelivery is recognised also after a restart.
//
// A journal that cannot be read is never replaced or skipped: Open says
// which file it is and what the user can do.
package journal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// FileName is the journal's file inside the state directory.
const FileName = "journal.db"

// Retention is how long delivery IDs are remembered. GitHub redelivers on
// request for three days; a week leaves room.
const Retention = 7 * 24 * time.Hour

const (
	// pruneEvery is how often delivery IDs older than Retention are
	// deleted, pruneChunk how many in one transaction (writers wait for it).
	pruneEvery = time.Hour
	pruneChunk = 1000
	// maxBatchDelay is how long a write waits for others to share its
	// transaction; at 1,000 deliveries/s most transactions carry one or
	// two, in a burst dozens.
	maxBatchDelay = time.Millisecond
	maxBatchSize  = 256
)

var (
	bucketDeliveries  = []byte("deliveries")  // delivery ID -> received (Unix ns, 8 bytes big endian)
	bucketJobs        = []byte("jobs")        // seq (big endian) -> kind byte + Job JSON, while not done
	bucketDeployments = []byte("deployments") // "owner/repo#id" -> seq, deployments ever taken on
	bucketLogs        = []byte("logs")        // log token -> log file name
)

// ErrLocked means another process holds the journal (another listener on
// the same --state-dir).
var ErrLocked = errors.New("the state directory is in use by another listener")

// DamagedError is a journal file that cannot be read as a journal.
type DamagedError struct {
	Path string
	Err  error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("journal %s cannot be read: %v; it is left as it is. To start with an empty journal "+
		"(deliveries and deployments it holds are then forgotten), move it aside: mv %s %s.damaged",
		e.Path, e.Err, e.Path, e.Path)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// Journal is an open journal. It is safe for concurrent use.
type Journal struct {
	// dbMu guards db: a failed write leaves bbolt's in-memory state unfit
	// for the next (a commit after a failed file growth was lost at the
	// next open), so the file is opened afresh first, holding it.
	dbMu   sync.RWMutex
	db     *bolt.DB
	broken bool // a write failed: reopen before the next
	// writing counts the writes in progress.
	writing atomic.Int32
	path    string
	file    os.FileInfo // the file opened, to notice it was deleted or replaced
	// openSeq is the last job number of the previous run: jobs up to it are
	// Recovered.
	openSeq uint64

	mu         sync.Mutex
	lastErr    error // the last write's error; nil once one succeeds
	failedSize int   // how many bytes the write that failed had to add

	stop chan struct{}
	wg   sync.WaitGroup
}

var _ store.Store = (*Journal)(nil)

// Open opens (creating it if needed) the journal in dir and forgets
// deliveries older than Retention. A second Open of the same dir, in this
// process or another, fails with ErrLocked; a file that is not a sound
// journal with a *DamagedError.
func Open(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if old, _ := filepath.Glob(filepath.Join(dir, "journal-*.wal")); len(old) > 0 {
		return nil, fmt.Errorf("journal %s: %s holds deliveries written by an older deployctl that this one cannot "+
			"read: start the older version once and stop it with SIGTERM (it then writes them to %s), or move the "+
			"state directory aside to start empty", dir, old[0], FileName)
	}
	if st, err := os.Stat(path); err == nil && st.Size() == 0 {
		// bbolt would make a new journal of it, forgetting what it held.
		return nil, &DamagedError{Path: path, Err: errors.New("the file is empty (0 bytes)")}
	}
	db, err := openBolt(path)
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("journal %s: %w", dir, ErrLocked)
		}
		return nil, &DamagedError{Path: path, Err: err}
	}
	j := &Journal{db: db, path: path, stop: make(chan struct{})}
	if j.file, err = os.Stat(path); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := j.init(); err != nil {
		db.Close()
		return nil, &DamagedError{Path: path, Err: err}
	}
	j.wg.Add(1)
	go j.pruner()
	return j, nil
}

// openBolt checks the file, then opens it for writing. bbolt panics on
// some damaged pages, some of the time in a goroutine of its own where
// nothing can recover; so every page is read first, here, where a panic
// (or a fault in the mapped file) becomes an error naming the file.
func openBolt(path string) (*bolt.DB, error) {
	if _, err := os.Stat(path); err == nil {
		if err := check(path); err != nil {
			return nil, err
		}
	}
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{
			Timeout: time.Second, FreelistType: bolt.FreelistMapType, NoFreelistSync: true,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	db.MaxBatchDelay, db.MaxBatchSize = maxBatchDelay, maxBatchSize
	return db, nil
}

// check opens the file read-only and reads every key and value.
func check(path string) error {
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		return err
	})
	if err != nil {
		return err
	}
	defer db.Close()
	return guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
				return b.ForEach(func(_, _ []byte) error { return nil })
			})
		})
	})
}

// guard runs fn in a goroutine of its own that turns a panic, or a fault
// reading the mapped file, into an error.
func guard(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("damaged: %v", p)
			}
		}()
		done <- fn()
	}()
	return <-done
}

// init creates the buckets and prunes.
func (j *Journal) init() error {
	err := j.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDeliveries, bucketJobs, bucketDeployments, bucketLogs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		j.openSeq = tx.Bucket(bucketJobs).Sequence()
		return nil
	})
	if err != nil {
		return err
	}
	return j.prune(time.Now().Add(-Retention))
}

// Close waits for the writes in progress and closes the file.
func (j *Journal) Close() error {
	select {
	case <-j.stop:
		return nil
	default:
	}
	close(j.stop)
	j.wg.Wait()
	j.dbMu.Lock()
	defer j.dbMu.Unlock()
	return j.db.Close()
}

// reopen replaces a db a write failed on with the file as it is on disk.
func (j *Journal) reopen() error {
	j.dbMu.Lock()
	defer j.dbMu.Unlock()
	select {
	case <-j.stop:
		return store.ErrClosed
	default:
	}
	if !j.broken {
		return nil
	}
	_ = j.db.Close()
	db, err := openBolt(j.path)
	if err != nil {
		// j.db stays closed: every use fails until a reopen succeeds.
		return fmt.Errorf("journal %s: reopening after a failed write: %w", j.path, err)
	}
	j.db, j.broken = db, false
	return nil
}

// update runs fn, which adds about size bytes, in a transaction shared with
// the writes waiting now.
func (j *Journal) update(size int, fn func(*bolt.Tx) error) error {
	err := j.linked()
	j.dbMu.RLock()
	broken := j.broken
	j.dbMu.RUnlock()
	if err == nil && broken {
		err = j.reopen()
	}
	if err == nil {
		j.dbMu.RLock()
		// Alone, a write commits at once; with others in flight it joins
		// the next shared transaction (DB.Batch waits up to maxBatchDelay
		// for company, which a lone write need not).
		if j.writing.Add(1) == 1 {
			err = j.db.Update(fn)
		} else {
			err = j.db.Batch(fn)
		}
		j.writing.Add(-1)
		if err != nil && !errors.Is(err, berrors.ErrDatabaseNotOpen) {
			j.dbMu.RUnlock()
			j.dbMu.Lock()
			j.broken = true
			j.dbMu.Unlock()
		} else {
			j.dbMu.RUnlock()
		}
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		err = store.ErrClosed
	}
	j.mu.Lock()
	j.lastErr = err
	if err != nil {
		j.failedSize = max(j.failedSize, size)
	} else {
		j.failedSize = 0
	}
	j.mu.Unlock()
	return err
}

// linked reports an error when journal.db is no longer the file the journal
// writes to (the state directory was deleted or the file replaced): writes
// would go to a file the next start does not read.
func (j *Journal) linked() error {
	st, err := os.Stat(j.path)
	if err != nil || !os.SameFile(st, j.file) {
		return fmt.Errorf("journal %s was deleted or replaced while the listener runs; restart the listener", j.path)
	}
	return nil
}

// Check reports why a write would fail now: the last write failed and a
// write as large still fails (a full disk: it recovers when space returns),
// or the file is gone.
func (j *Journal) Check(context.Context) error {
	if err := j.linked(); err != nil {
		return err
	}
	j.mu.Lock()
	failed, size := j.lastErr != nil, j.failedSize
	j.mu.Unlock()
	if !failed {
		return nil
	}
	// A real write of the same size, then its removal: the first needs the
	// room the failed write needed.
	probe := make([]byte, max(size, 512))
	if err := j.update(size, func(tx *bolt.Tx) error { return tx.Bucket(bucketLogs).Put(probeKey, probe) }); err != nil {
		return err
	}
	return j.update(0, func(tx *bolt.Tx) error { return tx.Bucket(bucketLogs).Delete(probeKey) })
}

// probeKey is Check's scratch key (in logs: never a valid token).
var probeKey = []byte("\x00probe")

func encode(job *store.Job) ([]byte, error) {
	c := *job
	c.Seq = 0 // the key holds it
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	return append([]byte{kindByte(job.Kind)}, b...), nil
}

func kindByte(k store.Kind) byte {
	if k == store.KindDeploy {
		return 'd'
	}
	return 'm'
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

// addJob numbers job and stores it in tx; dup when it is a deployment
// already known.
func addJob(tx *bolt.Tx, job *store.Job, val []byte) (seq uint64, dup bool, err error) {
	var key []byte
	if job.Kind == store.KindDeploy && job.Deploy != nil {
		key = []byte(job.Deploy.Key())
		if tx.Bucket(bucketDeployments).Get(key) != nil {
			return 0, true, nil
		}
	}
	jobs := tx.Bucket(bucketJobs)
	if seq, err = jobs.NextSequence(); err != nil {
		return 0, false, err
	}
	if err = jobs.Put(seqKey(seq), val); err == nil && key != nil {
		err = tx.Bucket(bucketDeployments).Put(key, seqKey(seq))
	}
	return seq, false, err
}

// Append records d and its job, once per delivery ID and deployment.
func (j *Journal) Append(_ context.Context, d *store.Delivery) (dup bool, err error) {
	var val []byte
	if d.Job != nil {
		c := *d.Job
		c.DeliveryID = d.ID
		if val, err = encode(&c); err != nil {
			return false, err
		}
	}
	received := d.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	var at [8]byte
	binary.BigEndian.PutUint64(at[:], uint64(received.UnixNano()))
	var seq uint64
	err = j.update(len(d.ID)+len(val)+8, func(tx *bolt.Tx) error {
		// bbolt may run this again (with the rest of a batch): it sets
		// every result afresh.
		seq, dup = 0, false
		deliveries := tx.Bucket(bucketDeliveries)
		if deliveries.Get([]byte(d.ID)) != nil {
			dup = true
			return nil
		}
		if d.Job != nil {
			var err error
			if seq, dup, err = addJob(tx, d.Job, val); err != nil || dup {
				return err
			}
		}
		return deliveries.Put([]byte(d.ID), at[:])
	})
	if err == nil && !dup && d.Job != nil {
		d.Job.Seq, d.Job.DeliveryID = seq, d.ID
	}
	return dup, err
}

// AddJob records a job no delivery brought.
func (j *Journal) AddJob(_ context.Context, job *store.Job) (dup bool, err error) {
	val, err := encode(job)
	if err != nil {
		return false, err
	}
	var seq uint64
	err = j.update(len(val), func(tx *bolt.Tx) error {
		var err error
		seq, dup, err = addJob(tx, job, val)
		return err
	})
	if err == nil && !dup {
		job.Seq = seq
	}
	return dup, err
}

// Save records a job's progress; Phase Done closes it. A job already closed
// stays closed.
func (j *Journal) Save(_ context.Context, job *store.Job) error {
	val, err := encode(job)
	if err != nil {
		return err
	}
	p := job.Progress
	return j.update(len(val), func(tx *bolt.Tx) error {
		if p.LogToken != "" && p.LogFile != "" {
			if err := tx.Bucket(bucketLogs).Put([]byte(p.LogToken), []byte(p.LogFile)); err != nil {
				return err
			}
		}
		jobs, k := tx.Bucket(bucketJobs), seqKey(job.Seq)
		if jobs.Get(k) == nil {
			return nil
		}
		if p.Phase == store.Done {
			return jobs.Delete(k)
		}
		return jobs.Put(k, val)
	})
}

// view reads in a transaction; a page bbolt cannot read is an error, not a
// crash.
func (j *Journal) view(fn func(*bolt.Tx) error) error {
	j.dbMu.RLock()
	defer j.dbMu.RUnlock()
	err := guard(func() error { return j.db.View(fn) })
	if err != nil && strings.HasPrefix(err.Error(), "damaged: ") {
		return &DamagedError{Path: j.path, Err: err}
	}
	return err
}

// Jobs returns a page of open jobs of kind numbered after after.
func (j *Journal) Jobs(_ context.Context, kind store.Kind, after uint64, limit int) ([]*store.Job, error) {
	var out []*store.Job
	want := kindByte(kind)
	err := j.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			if len(v) == 0 || v[0] != want {
				continue
			}
			job := new(store.Job)
			if err := json.Unmarshal(v[1:], job); err != nil {
				return fmt.Errorf("journal: job %x: %w", k, err)
			}
			job.Seq = binary.BigEndian.Uint64(k)
			job.Recovered = job.Seq <= j.openSeq
			out = append(out, job)
		}
		return nil
	})
	return out, err
}

// Orphans is always empty: no other listener shares the journal (bbolt's
// file lock).
func (j *Journal) Orphans(context.Context) ([]*store.Job, error) { return nil, nil }

// Lane returns at once: the workers serialise lanes within the process,
// and no other process shares the journal.
func (j *Journal) Lane(context.Context, string) (func(), error) { return func() {}, nil }

// LogFile returns the log file name registered for token, or "".
func (j *Journal) LogFile(_ context.Context, token string) (string, error) {
	var name string
	err := j.view(func(tx *bolt.Tx) error {
		name = string(tx.Bucket(bucketLogs).Get([]byte(token)))
		return nil
	})
	return name, err
}

// Seen reports whether a delivery ID is recorded.
func (j *Journal) Seen(id string) (bool, error) {
	var ok bool
	err := j.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketDeliveries).Get([]byte(id)) != nil
		return nil
	})
	return ok, err
}

// CountDeliveries is how many delivery IDs are remembered.
func (j *Journal) CountDeliveries() (int, error) {
	var n int
	err := j.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketDeliveries).Stats().KeyN
		return nil
	})
	return n, err
}

func (j *Journal) pruner() {
	defer j.wg.Done()
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = j.prune(time.Now().Add(-Retention)) // retried in an hour
		case <-j.stop:
			return
		}
	}
}

// prune forgets delivery IDs received before cutoff, a chunk per
// transaction so that no write waits long for it.
func (j *Journal) prune(cutoff time.Time) error {
	for {
		var old [][]byte
		err := j.view(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketDeliveries).ForEach(func(k, v []byte) error {
				if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cutoff.UnixNano() && len(old) < pruneChunk {
					old = append(old, append([]byte(nil), k...))
				}
				return nil
			})
		})
		if err != nil || len(old) == 0 {
			return err
		}
		err = j.update(0, func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketDeliveries)
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || len(old) < pruneChunk {
			return err
		}
	}
}

// WriteTo writes a consistent copy of the journal as it is now (what a
// crash at this moment would leave) while writes go on: a backup.
func (j *Journal) WriteTo(w io.Writer) (n int64, err error) {
	err = j.view(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
