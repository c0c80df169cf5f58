// Package journal is the listener's durable memory: every accepted webhook
// delivery, the work it asked for and how far that work got. A write goes to
// an append-only log that is synced (fdatasync) once for all the writes
// waiting at that moment (group commit), and is on disk when it returns, so
// the listener may acknowledge the delivery. In the background a checkpoint
// applies the log to an index, a bbolt file, in large transactions and
// deletes the log segments it has applied; Open replays what a crash left
// unapplied. Delivery IDs are remembered in the index, so a redelivery is
// recognised also after a restart.
//
// bbolt never shrinks its file, and the pages a burst's backlog used stay
// mapped, and resident, after the backlog is done. So once the index has
// been idle for a moment and most of its file is free pages, the store
// rewrites it into a new file holding only the live data and puts that in
// place of the old one (compaction).
package journal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the index's file inside the state directory; the log's
// segments (journal-NNNNNNNN.wal) sit beside it.
const FileName = "journal.db"

// Retention is how long delivery IDs are remembered. GitHub redelivers on
// request for three days; a week leaves room.
const Retention = 7 * 24 * time.Hour

var (
	bucketDeliveries  = []byte("deliveries")  // delivery ID -> received (Unix ns, 8 bytes big endian)
	bucketJobs        = []byte("jobs")        // seq (big endian) -> kind byte + Job JSON, while not done
	bucketDeployments = []byte("deployments") // "owner/repo#id" -> seq, deployments ever taken on
	bucketLogs        = []byte("logs")        // log token -> log file name
)

// ErrLocked means another process holds the journal (another listener on
// the same --state-dir).
var ErrLocked = errors.New("the state directory is in use by another listener")

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("journal closed")

const (
	// maxBatch bounds one log write.
	maxBatch = 512
	// commitDelay paces the log's syncs during a burst: after a sync that
	// carried paceAfter writes or more, the next one starts no sooner than
	// commitDelay after it, with all the writes that came meanwhile (as
	// PostgreSQL's commit_delay, which also applies only when other
	// transactions are active). A sync costs ~100 µs and 50-85 µs of CPU on
	// a VM's disk, as much as the rest of a delivery's handling; at a steady
	// 1,000 deliveries/s most syncs carry one write and are not paced.
	commitDelay = time.Millisecond
	// paceAfter is how many writes a sync must have carried for the next to
	// be paced (as PostgreSQL's commit_siblings): a few writers each waiting
	// for its own write would otherwise wait the whole delay every time.
	paceAfter = 8
	// checkpointEvery and checkpointRecords bound what the log holds that
	// the index does not (memory, and replay time after a crash).
	checkpointEvery   = 250 * time.Millisecond
	checkpointRecords = 4096
	// segmentSize is the size past which a checkpoint starts a new segment.
	segmentSize = 8 << 20

	// idleAfter is how long no record must have been applied before the
	// index is compacted; compactMinFree and half the file is how much of it
	// must be free pages.
	idleAfter      = 2 * time.Second
	compactMinFree = 4 << 20
	compactTxSize  = 1 << 20 // a transaction's nodes are all in memory until it commits
	compactSuffix  = ".compact"
	// pruneEvery is how often delivery IDs older than Retention are deleted.
	pruneEvery = time.Hour
)

func boltOptions() *bolt.Options {
	return &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType, NoFreelistSync: true}
}

// Store is an open journal. It is safe for concurrent use.
type Store struct {
	dir  string
	reqs chan *writeReq
	// lock is LockName, held while the store is open; nil where the platform
	// has no file locks, and then the index is not compacted.
	lock *os.File

	// db is the index. Compaction replaces it holding both ckMu and dbMu,
	// so a holder of either may use it.
	dbMu sync.RWMutex
	db   *bolt.DB

	// mu guards the log: the segment written to, the records it holds that
	// the index does not yet (unapplied), and the keys those records add
	// (pending), which dedupe consults together with the index.
	mu             sync.Mutex
	seg            *segment
	unapplied      []record
	pendingIDs     map[string]struct{}
	pendingDeploys map[string]struct{}
	seq            uint64 // last job number given
	failed         error  // a log write failed: the log's state is unknown, accept nothing more

	ckMu       sync.Mutex // one checkpoint (or compaction) at a time; guards the fields below
	retired    []*segment // segments to delete once their records are applied
	lastApply  time.Time  // when a checkpoint last applied records (or the store opened)
	maintained bool       // compaction was considered since lastApply
	pruned     time.Time
	kick       chan struct{}

	// syncs and paced count the writer's syncs and the waits before them
	// (commitDelay), pacedWrites the writes that came during those waits;
	// only the writer writes them, tests read them after Close.
	syncs, paced, pacedWrites int
	// rotateAt is the size past which a checkpoint starts a new segment
	// (segmentSize; tests make it small).
	rotateAt int64

	// sendMu orders queueing a write against Close: writes are queued only
	// while closed is false, so the writer's last drain sees every one.
	sendMu sync.RWMutex
	closed bool

	closeOnce sync.Once
	closing   chan struct{}
	wg        sync.WaitGroup
}

type writeReq struct {
	op   opKind
	d    *Delivery // opDelivery
	j    Job       // opAddJob, opSave: a copy, so the caller may go on changing its job
	jp   *Job      // opDelivery, opAddJob: numbered on success
	dup  bool
	err  error
	done chan struct{}
}

// Open opens (creating it if needed) the journal in dir, applies what the
// log holds beyond the index, and forgets deliveries older than Retention.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	lock, err := lockDir(dir, time.Second)
	if err != nil && !errors.Is(err, errNoDirLock) {
		return nil, fmt.Errorf("journal %s: %w", dir, err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, boltOptions())
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		if errors.Is(err, berrors.ErrTimeout) {
			err = ErrLocked
		}
		return nil, fmt.Errorf("journal %s: %w", dir, err)
	}
	// A compaction the previous run did not finish: the index it was
	// writing is incomplete, the old one is in place.
	_ = os.Remove(filepath.Join(dir, FileName+compactSuffix))
	now := time.Now()
	s := &Store{
		dir: dir, lock: lock, db: db, reqs: make(chan *writeReq, 1024),
		pendingIDs: map[string]struct{}{}, pendingDeploys: map[string]struct{}{},
		lastApply: now, pruned: now, kick: make(chan struct{}, 1), closing: make(chan struct{}),
		rotateAt: segmentSize,
	}
	if err := s.recover(); err != nil {
		db.Close()
		if lock != nil {
			lock.Close()
		}
		return nil, fmt.Errorf("journal %s: %w", dir, err)
	}
	s.wg.Add(2)
	go s.writer()
	go s.checkpointer()
	return s, nil
}

// recover applies the log segments a previous run left, removes them and
// starts a new one.
func (s *Store) recover() error {
	ns, err := segments(s.dir)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDeliveries, bucketJobs, bucketDeployments, bucketLogs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for _, n := range ns {
			recs, _, err := readSegment(segmentName(s.dir, n))
			if err != nil {
				return err
			}
			if err := apply(tx, recs); err != nil {
				return err
			}
		}
		s.seq = tx.Bucket(bucketJobs).Sequence()
		return prune(tx, time.Now().Add(-Retention))
	})
	if err != nil {
		return err
	}
	var last uint64
	for _, n := range ns {
		if err := os.Remove(segmentName(s.dir, n)); err != nil {
			return err
		}
		last = n
	}
	s.seg, err = createSegment(s.dir, last+1)
	return err
}

// stop refuses new writes and tells the goroutines to end; the writer
// first writes what was queued.
func (s *Store) stop() {
	s.closeOnce.Do(func() {
		s.sendMu.Lock()
		s.closed = true
		s.sendMu.Unlock()
		close(s.closing)
	})
}

// Close waits for pending writes, applies the log to the index and closes
// the files.
func (s *Store) Close() error {
	s.stop()
	s.wg.Wait()
	err := s.checkpoint()
	s.mu.Lock()
	if err == nil && s.failed == nil {
		err = s.seg.remove()
	} else {
		s.seg.f.Close()
	}
	s.mu.Unlock()
	err = errors.Join(err, s.db.Close())
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close())
	}
	return err
}

// writer is the only goroutine that appends to the log: it takes whatever
// requests are waiting and writes and syncs them at once.
func (s *Store) writer() {
	defer s.wg.Done()
	batch := make([]*writeReq, 0, maxBatch)
	var buf []byte
	// burst: the last sync carried paceAfter writes or more; synced: when it began.
	var burst bool
	var synced time.Time
	pause := time.NewTimer(commitDelay)
	pause.Stop()
	for {
		select {
		case r := <-s.reqs:
			batch = append(batch[:0], r)
		case <-s.closing:
			// Finish what was queued before Close.
			for {
				select {
				case r := <-s.reqs:
					buf = s.commit([]*writeReq{r}, buf[:0])
				default:
					return
				}
			}
		}
		batch = s.gather(batch)
		if burst && len(batch) < maxBatch {
			// Pace the syncs: wait until commitDelay after the previous one
			// started, gathering the writes that come meanwhile.
			if wait := commitDelay - time.Since(synced); wait > 0 {
				s.paced++
				pause.Reset(wait)
				select {
				case <-pause.C:
				case <-s.closing:
				}
				n := len(batch)
				batch = s.gather(batch)
				s.pacedWrites += len(batch) - n
			}
		}
		burst, synced = len(batch) >= paceAfter, time.Now()
		s.syncs++
		buf = s.commit(batch, buf[:0])
	}
}

// gather adds the requests queued to batch.
func (s *Store) gather(batch []*writeReq) []*writeReq {
	for len(batch) < maxBatch {
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit decides each request (dedupe, numbering), writes the batch to the
// log with one sync and answers every request.
func (s *Store) commit(batch []*writeReq, buf []byte) []byte {
	s.mu.Lock()
	recs, buf, added, seq, err := s.prepare(batch, buf)
	if err == nil && len(recs) > 0 {
		if err = s.seg.write(buf); err != nil {
			s.failed = fmt.Errorf("journal log: %w", err)
			err = s.failed
		}
	}
	if err != nil {
		// Nothing of this batch counts: forget the keys it added.
		for _, k := range added {
			delete(s.pendingIDs, k)
			delete(s.pendingDeploys, k)
		}
	} else {
		s.seq = seq
		s.unapplied = append(s.unapplied, recs...)
	}
	n := len(s.unapplied)
	s.mu.Unlock()
	for _, r := range batch {
		if err != nil {
			r.err, r.dup = err, false
		}
		if r.err == nil && !r.dup && r.jp != nil {
			r.jp.Seq = r.j.Seq
			if r.d != nil {
				r.jp.DeliveryID = r.d.ID
			}
		}
		r.done <- struct{}{}
	}
	if n >= checkpointRecords {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return buf[:0]
}

// prepare decides a batch under s.mu: it drops duplicates, numbers jobs and
// frames the records into buf. added are the pending keys it added.
func (s *Store) prepare(batch []*writeReq, buf []byte) (recs []record, _ []byte, added []string, seq uint64, err error) {
	if s.failed != nil {
		return nil, buf, nil, 0, s.failed
	}
	seq = s.seq
	var tx *bolt.Tx // opened on the first lookup the pending keys cannot answer
	defer func() {
		if tx != nil {
			_ = tx.Rollback()
			s.dbMu.RUnlock()
		}
	}()
	known := func(pending map[string]struct{}, bucket []byte, key string) (bool, error) {
		if _, ok := pending[key]; ok {
			return true, nil
		}
		if tx == nil {
			var err error
			s.dbMu.RLock()
			if tx, err = s.db.Begin(false); err != nil {
				s.dbMu.RUnlock()
				tx = nil
				return false, err
			}
		}
		return tx.Bucket(bucket).Get([]byte(key)) != nil, nil
	}
	for _, r := range batch {
		var rec record
		var rerr error
		switch r.op {
		case opDelivery:
			dup, err := known(s.pendingIDs, bucketDeliveries, r.d.ID)
			if err == nil && !dup && r.d.Job != nil && r.d.Job.Kind == KindDeploy {
				dup, err = known(s.pendingDeploys, bucketDeployments, r.d.Job.Deploy.Key())
			}
			if err != nil {
				return nil, buf, added, 0, err
			}
			if dup {
				r.dup = true
				continue
			}
			var jp *Job
			if r.d.Job != nil {
				seq++
				r.j = *r.d.Job
				r.j.Seq, r.j.DeliveryID = seq, r.d.ID
				jp = &r.j
			}
			if rec, rerr = newRecord(opDelivery, r.d.ID, r.d.ReceivedAt, jp); rerr == nil {
				s.pendingIDs[r.d.ID] = struct{}{}
				added = append(added, r.d.ID)
			}
		case opAddJob:
			if r.j.Kind == KindDeploy {
				dup, err := known(s.pendingDeploys, bucketDeployments, r.j.Deploy.Key())
				if err != nil {
					return nil, buf, added, 0, err
				}
				if dup {
					r.dup = true
					continue
				}
			}
			seq++
			r.j.Seq = seq
			rec, rerr = newRecord(opAddJob, "", time.Time{}, &r.j)
		case opSave:
			rec, rerr = newRecord(opSave, "", time.Time{}, &r.j)
		}
		if rerr != nil {
			r.err = rerr
			continue
		}
		if rec.deployKey != "" {
			s.pendingDeploys[rec.deployKey] = struct{}{}
			added = append(added, rec.deployKey)
		}
		buf = appendFramed(buf, &rec)
		recs = append(recs, rec)
	}
	return recs, buf, added, seq, nil
}

// dones are the writer's answer channels (buffered, one answer each),
// reused: one per write was most of a delivery's garbage in the journal.
var dones = sync.Pool{New: func() any { return make(chan struct{}, 1) }}

// write queues r for the writer and waits until it is on disk.
func (s *Store) write(r *writeReq) (dup bool, err error) {
	done := dones.Get().(chan struct{})
	defer dones.Put(done) // empty again: its one answer was taken, or it was never queued
	r.done = done
	s.sendMu.RLock()
	if s.closed {
		s.sendMu.RUnlock()
		return false, ErrClosed
	}
	s.reqs <- r // the writer takes it: it drains until closing, set after closed
	s.sendMu.RUnlock()
	<-done
	return r.dup, r.err
}

// checkpointer applies the log to the index in the background, and keeps
// the index small.
func (s *Store) checkpointer() {
	defer s.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.kick:
		case <-s.closing:
			return
		}
		_ = s.checkpoint() // on failure the records stay in the log and are retried
		_ = s.maintain(time.Now())
	}
}

// freeOSMemory is debug.FreeOSMemory; tests count its calls.
var freeOSMemory = debug.FreeOSMemory

// maintain deletes expired delivery IDs every pruneEvery and, once no record
// has been applied for idleAfter, compacts the index if most of its file is
// free pages and gives the process's free memory back to the OS. A failed
// compaction leaves the index as it was.
func (s *Store) maintain(now time.Time) error {
	s.ckMu.Lock()
	defer s.ckMu.Unlock()
	if now.Sub(s.pruned) >= pruneEvery {
		s.pruned = now
		if err := s.db.Update(func(tx *bolt.Tx) error { return prune(tx, now.Add(-Retention)) }); err != nil {
			return fmt.Errorf("journal prune: %w", err)
		}
		s.maintained = false
	}
	if s.maintained || now.Sub(s.lastApply) < idleAfter {
		return nil
	}
	s.maintained = true
	// The listener is idle: what the work just done left as garbage (and a
	// compaction's copy, about 600 bytes a key) goes back to the OS now, not
	// over minutes. That matters more as the listener's collector runs
	// lazily in a burst (GOGC 400, see package listen).
	defer freeOSMemory()
	if s.lock == nil {
		return nil
	}
	if free, live, err := s.space(); err != nil || free < compactMinFree || free < live {
		return err
	}
	return s.compact()
}

// space is how many bytes of the index file up to its last page in use are
// free pages, and how many hold data. (The file may extend further; what
// lies beyond is never touched.)
func (s *Store) space() (free, live int64, err error) {
	var used int64
	if err := s.db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil }); err != nil {
		return 0, 0, err
	}
	st := s.db.Stats()
	free = int64(st.FreePageN+st.PendingPageN) * int64(s.db.Info().PageSize)
	return free, used - free, nil
}

// compact copies the index's data into a new file, syncs it and renames it
// over the old one, then opens it. It runs with ckMu held, so nothing writes
// to the index meanwhile; readers go on until the swap. A crash leaves the
// old index or the new one, both complete.
func (s *Store) compact() error {
	name := filepath.Join(s.dir, FileName)
	tmp := name + compactSuffix
	_ = os.Remove(tmp)
	// The new file records its free-page list, so opening it reads that list
	// instead of walking (and mapping in) every page to rebuild it; the
	// checkpoints after it go back to not recording it.
	opts := boltOptions()
	opts.NoFreelistSync = false
	dst, err := bolt.Open(tmp, 0o600, opts)
	if err != nil {
		return fmt.Errorf("journal compaction: %w", err)
	}
	err = bolt.Compact(dst, s.db, compactTxSize)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal compaction: %w", err)
	}

	s.dbMu.Lock()
	if err = s.db.Close(); err == nil {
		if err = os.Rename(tmp, name); err == nil {
			err = syncDir(s.dir)
		}
	}
	// The new index, or the old one if it was not replaced.
	db, oerr := bolt.Open(name, 0o600, boltOptions())
	if oerr == nil {
		s.db = db
	}
	s.dbMu.Unlock()
	if oerr != nil {
		// s.db stays closed and answers every read with an error.
		s.mu.Lock()
		s.failed = fmt.Errorf("journal: reopening the index after compaction: %w", oerr)
		s.mu.Unlock()
		return s.failed
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal compaction: %w", err)
	}
	return nil
}

// checkpoint applies the records the index lacks in one transaction, starts
// a new segment when the current one is large, and deletes the segments
// whose records are all applied.
func (s *Store) checkpoint() error {
	s.ckMu.Lock()
	defer s.ckMu.Unlock()
	// A new segment is created outside s.mu, not to hold the writer up; it
	// takes the current one's place together with taking the records to
	// apply, so the retired segment holds no record left unapplied.
	s.mu.Lock()
	full, n := s.seg.size >= s.rotateAt && s.failed == nil, s.seg.n
	s.mu.Unlock()
	var next *segment
	if full {
		next, _ = createSegment(s.dir, n+1) // on error the current one goes on growing
	}
	s.mu.Lock()
	recs := s.unapplied
	s.unapplied = nil
	if next != nil {
		s.retired = append(s.retired, s.seg)
		s.seg = next
	}
	seg, size := s.seg, s.seg.size
	s.mu.Unlock()
	// Zeros ahead of the records, so the writer seldom stops to add them.
	if size < s.rotateAt && seg.alloc.Load()-size < growAhead {
		_ = seg.grow(size + growAhead) // on error the writer grows it when it must
	}
	if len(recs) > 0 {
		if err := s.db.Update(func(tx *bolt.Tx) error { return apply(tx, recs) }); err != nil {
			s.mu.Lock()
			s.unapplied = append(recs, s.unapplied...)
			s.mu.Unlock()
			return fmt.Errorf("journal checkpoint: %w", err)
		}
		s.mu.Lock()
		for i := range recs {
			delete(s.pendingIDs, recs[i].id)
			delete(s.pendingDeploys, recs[i].deployKey)
		}
		s.mu.Unlock()
		s.lastApply, s.maintained = time.Now(), false
	}
	var err error
	for _, seg := range s.retired {
		err = errors.Join(err, seg.remove())
	}
	s.retired = nil
	return err
}

// apply writes records to the index. Applying a record twice (a crash after
// a checkpoint, before its segment was deleted) changes nothing.
func apply(tx *bolt.Tx, recs []record) error {
	deliveries, jobs := tx.Bucket(bucketDeliveries), tx.Bucket(bucketJobs)
	deployments, logs := tx.Bucket(bucketDeployments), tx.Bucket(bucketLogs)
	top := jobs.Sequence()
	putJob := func(r *record) error {
		if r.deployKey != "" {
			if deployments.Get([]byte(r.deployKey)) != nil {
				return nil
			}
			if err := deployments.Put([]byte(r.deployKey), seqKey(r.seq)); err != nil {
				return err
			}
		}
		return jobs.Put(seqKey(r.seq), r.job)
	}
	for i := range recs {
		r := &recs[i]
		var err error
		switch r.op {
		case opDelivery:
			if deliveries.Get([]byte(r.id)) != nil {
				continue
			}
			var at [8]byte
			binary.BigEndian.PutUint64(at[:], uint64(r.at.UnixNano()))
			if err = deliveries.Put([]byte(r.id), at[:]); err == nil && r.job != nil {
				err = putJob(r)
			}
		case opAddJob:
			err = putJob(r)
		case opSave:
			if r.logToken != "" && r.logFile != "" {
				if err = logs.Put([]byte(r.logToken), []byte(r.logFile)); err != nil {
					return err
				}
			}
			if r.done {
				err = jobs.Delete(seqKey(r.seq))
			} else {
				err = jobs.Put(seqKey(r.seq), r.job)
			}
		}
		if err != nil {
			return err
		}
		top = max(top, r.seq)
	}
	return jobs.SetSequence(top)
}

// Delivery is an accepted webhook delivery.
type Delivery struct {
	ID         string
	Event      string
	ReceivedAt time.Time
	// Job is the work the delivery asks for; nil when it is only recorded.
	Job *Job
}

// Append records d and its job. It reports dup=true, and records nothing,
// when d's ID was seen before, or when d's job is a deployment the journal
// already holds. On success d.Job.Seq and d.Job.DeliveryID are set.
func (s *Store) Append(d *Delivery) (dup bool, err error) {
	var jp *Job
	if d.Job != nil {
		jp = d.Job
	}
	return s.write(&writeReq{op: opDelivery, d: d, jp: jp})
}

// AddJob records a job that no delivery brought (a deployment the listener
// created itself and runs without waiting for GitHub's webhook). dup is true
// when the deployment is already known. On success j.Seq is set.
func (s *Store) AddJob(j *Job) (dup bool, err error) {
	return s.write(&writeReq{op: opAddJob, j: *j, jp: j})
}

// Save records a job's progress. A job saved with Phase Done is removed from
// the open jobs (its log token stays servable).
func (s *Store) Save(j *Job) error {
	_, err := s.write(&writeReq{op: opSave, j: *j})
	return err
}

// Seen reports whether a delivery ID is recorded.
func (s *Store) Seen(id string) (bool, error) {
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketDeliveries).Get([]byte(id)) != nil
		return nil
	})
	return ok, err
}

// CountDeliveries is how many delivery IDs are remembered.
func (s *Store) CountDeliveries() (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketDeliveries).Stats().KeyN
		return nil
	})
	return n, err
}

// LastSeq is the number of the last job recorded.
func (s *Store) LastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Jobs returns up to limit open jobs of kind numbered after after, oldest
// first: a page of the work not done yet.
func (s *Store) Jobs(kind Kind, after uint64, limit int) ([]*Job, error) {
	var out []*Job
	want := kindByte(kind)
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			if len(v) == 0 || v[0] != want {
				continue
			}
			j := new(Job)
			if err := json.Unmarshal(v[1:], j); err != nil {
				return fmt.Errorf("job %x: %w", k, err)
			}
			out = append(out, j)
		}
		return nil
	})
	return out, err
}

// LogFile returns the log file name registered for token, or "".
func (s *Store) LogFile(token string) (string, error) {
	var name string
	err := s.view(func(tx *bolt.Tx) error {
		name = string(tx.Bucket(bucketLogs).Get([]byte(token)))
		return nil
	})
	return name, err
}

// view reads the index once everything written so far is in it.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	if err := s.checkpoint(); err != nil {
		return err
	}
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.db.View(fn)
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
		if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cutoff.UnixNano() {
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
