// Package river is the listener's store on PostgreSQL (`listen --database`),
// for any number of listeners sharing one database. Deliveries and the jobs
// they bring are rows of deployctl_delivery and deployctl_job, and each job
// is also a River job (riverqueue/river), inserted in the same transaction,
// unique by its key (the delivery ID, or the deployment for one the listener
// created); River hands each job to one listener (its Work), which does it
// through the usual workers and completes the River job when the job is done.
//
// Sharing rules, all in the database:
//   - Each delivery once: deployctl_delivery's primary key and the job's
//     unique key turn a redelivery to any listener into a no-op.
//   - One deployment at a time per repository+environment (a lane): the
//     River worker takes a session advisory lock on the lane (on a
//     connection of its own, held until the deploy command is done) and
//     snoozes the River job when another listener holds it, or when an older
//     deployment of the lane is still open (lanes keep their order).
//   - Listeners that die: each listener holds an advisory lock on its own ID
//     for its life; PostgreSQL drops it when the process dies (its
//     connections close). Orphans finds open jobs whose owner's lock is free,
//     and gives them, each to one listener, to the workers' recovery: a
//     deployment that may have started is marked error, never run again.
//
// No token or webhook secret is ever written: a job holds what the webhook
// said about the deployment and the workers' progress.
package river

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	riverq "github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// Options configure Open.
type Options struct {
	URL string
	// Deployments is how many deployments this listener takes from the
	// queue at once (its --concurrency).
	Deployments int
	Log         *slog.Logger
	// Snooze is how long a deployment whose lane is taken waits before
	// River offers it again (default 1 s).
	Snooze time.Duration
	// FetchPoll is how often River looks for work besides its LISTEN/NOTIFY
	// wake-ups (default 1 s).
	FetchPoll time.Duration
}

// Store is a store.Store and store.Feeder on PostgreSQL.
type Store struct {
	o      Options
	pool   *pgxpool.Pool
	client *riverq.Client[pgx.Tx]
	id     string // this listener
	host   string
	alive  *pgxpool.Conn // holds the listener's advisory lock

	mu      sync.Mutex
	submit  func(*store.Job)
	seq     uint64               // local hand-off order
	handed  map[uint64]*handed   // by local seq
	lanes   map[string]*laneHold // lane locks taken by Work, for Lane
	closed  bool
	started bool
}

type handed struct {
	row  int64
	job  *store.Job
	done chan struct{}
}

// The River jobs: the key makes each unique (delivery:<ID>, or
// deploy:<repo>#<id> for a deployment); row is its deployctl_job.
type mergeArgs struct {
	Key string `json:"key" river:"unique"`
	Row int64  `json:"row"`
}

func (mergeArgs) Kind() string { return "deployctl_merge" }

type deployArgs struct {
	Key string `json:"key" river:"unique"`
	Row int64  `json:"row"`
}

func (deployArgs) Kind() string { return "deployctl_deploy" }

// laneHold is a lane's advisory lock, held on a connection of its own for
// the deployment of row.
type laneHold struct {
	row  int64
	conn *pgxpool.Conn
}

const (
	queueMerge  = "deployctl_merge"
	queueDeploy = "deployctl_deploy"
	// retention is how long delivery IDs are remembered (as the journal).
	retention = 7 * 24 * time.Hour
	// migrateLock serialises migrations of listeners starting together.
	migrateLock = 0x6465706c6f79 // "deploy"
)

// Open connects, migrates River's schema and deployctl's tables, and takes
// this listener's liveness lock. Feed starts taking work.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Deployments <= 0 {
		o.Deployments = 1
	}
	if o.Snooze <= 0 {
		o.Snooze = time.Second
	}
	if o.FetchPoll <= 0 {
		o.FetchPoll = time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("--database: %v", redact(err))
	}
	if !strings.Contains(o.URL, "pool_max_conns") {
		// Held for the listener's life: its liveness lock and River's
		// LISTEN; for a deploy's length: its lane's lock. The rest is for
		// deliveries, River's fetches and completions.
		cfg.MaxConns = int32(o.Deployments + 12)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("--database: %v", redact(err))
	}
	s := &Store{o: o, pool: pool, handed: map[uint64]*handed{}, lanes: map[string]*laneHold{}}
	ok := false
	defer func() {
		if !ok {
			s.release()
		}
	}()
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	s.id = randomID()
	s.host, _ = os.Hostname()
	if s.alive, err = pool.Acquire(ctx); err != nil {
		return nil, fmt.Errorf("--database: %v", redact(err))
	}
	if _, err := s.alive.Exec(ctx, "SELECT pg_advisory_lock($1)", key("listener:"+s.id)); err != nil {
		return nil, fmt.Errorf("--database: %v", redact(err))
	}

	workers := riverq.NewWorkers()
	riverq.AddWorker(workers, riverq.WorkFunc(func(ctx context.Context, j *riverq.Job[mergeArgs]) error {
		return s.work(ctx, j.Args.Row, "")
	}))
	riverq.AddWorker(workers, riverq.WorkFunc(func(ctx context.Context, j *riverq.Job[deployArgs]) error {
		return s.work(ctx, j.Args.Row, "deploy")
	}))
	s.client, err = riverq.NewClient(riverpgxv5.New(pool), &riverq.Config{
		ID: "deployctl-" + s.id,
		Queues: map[string]riverq.QueueConfig{
			queueMerge:  {MaxWorkers: 2},
			queueDeploy: {MaxWorkers: o.Deployments},
		},
		Workers: workers,
		// A job's Work lasts as long as the deploy command: no timeout, and
		// River's rescue of "stuck" jobs is harmless (Work only takes rows
		// no listener owns) but pointless before a day.
		JobTimeout:                  -1,
		RescueStuckJobsAfter:        24 * time.Hour,
		CompletedJobRetentionPeriod: retention,
		FetchPollInterval:           o.FetchPoll,
		FetchCooldown:               20 * time.Millisecond,
		MaxAttempts:                 25,
		Logger:                      slog.New(warnOnly{o.Log.Handler()}),
	})
	if err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

const schema = `
CREATE TABLE IF NOT EXISTS deployctl_delivery (
	id text PRIMARY KEY,
	event text NOT NULL,
	received_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS deployctl_delivery_received ON deployctl_delivery (received_at);
CREATE TABLE IF NOT EXISTS deployctl_job (
	id bigserial PRIMARY KEY,
	kind text NOT NULL,
	key text NOT NULL UNIQUE,
	lane text,
	owner text,
	owner_host text,
	open boolean NOT NULL DEFAULT true,
	job jsonb NOT NULL,
	log_token text UNIQUE,
	log_file text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS deployctl_job_lane ON deployctl_job (lane, id) WHERE open;
CREATE INDEX IF NOT EXISTS deployctl_job_owner ON deployctl_job (owner) WHERE open;
`

func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("--database: %v", redact(err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("--database: %v", redact(err))
	}
	defer func() { _, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", int64(migrateLock)) }()
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrating River's schema: %w", err)
	}
	if _, err := conn.Exec(ctx, schema); err != nil {
		return fmt.Errorf("creating deployctl's tables: %w", err)
	}
	return nil
}

// Feed starts taking jobs from the queue and giving them to submit.
func (s *Store) Feed(submit func(*store.Job)) {
	s.mu.Lock()
	s.submit = submit
	start := !s.started && !s.closed
	s.started = true
	s.mu.Unlock()
	if start {
		if err := s.client.Start(context.Background()); err != nil {
			s.o.Log.Error("could not start taking work from the database", "err", err)
		}
		go s.purge()
	}
}

// purge forgets delivery IDs older than the retention, hourly (River
// deletes its completed jobs itself), until Close.
func (s *Store) purge() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.client.Stopped():
			return
		}
		if err := s.PurgeDeliveries(context.Background()); err != nil {
			s.o.Log.Warn("could not delete old delivery IDs", "err", err)
		}
	}
}

// Append records the delivery and its job, and queues the job, in one
// transaction.
func (s *Store) Append(ctx context.Context, d *store.Delivery) (bool, error) {
	return s.insert(ctx, d, d.Job)
}

// AddJob records and queues a job no delivery brought.
func (s *Store) AddJob(ctx context.Context, j *store.Job) (bool, error) {
	return s.insert(ctx, nil, j)
}

func jobKey(d *store.Delivery, j *store.Job) string {
	if j != nil && j.Kind == store.KindDeploy && j.Deploy != nil {
		return "deploy:" + j.Deploy.Key()
	}
	if d != nil {
		return "delivery:" + d.ID
	}
	return fmt.Sprintf("job:%s:%s", j.Kind, randomID())
}

func (s *Store) insert(ctx context.Context, d *store.Delivery, j *store.Job) (dup bool, err error) {
	if s.isClosed() {
		return false, store.ErrClosed
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, redact(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if d != nil {
		tag, err := tx.Exec(ctx, `INSERT INTO deployctl_delivery (id, event, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			d.ID, d.Event, d.ReceivedAt)
		if err != nil {
			return false, redact(err)
		}
		if tag.RowsAffected() == 0 {
			return true, nil
		}
	}
	if j != nil {
		if d != nil {
			j.DeliveryID = d.ID
		}
		if j.AcceptedAt.IsZero() {
			j.AcceptedAt = time.Now()
		}
		body, err := json.Marshal(j)
		if err != nil {
			return false, err
		}
		var lane *string
		if j.Kind == store.KindDeploy && j.Deploy != nil {
			l := laneText(j.Deploy.Lane())
			lane = &l
		}
		k := jobKey(d, j)
		var row int64
		err = tx.QueryRow(ctx, `INSERT INTO deployctl_job (kind, key, lane, job) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO NOTHING RETURNING id`, string(j.Kind), k, lane, body).Scan(&row)
		if errors.Is(err, pgx.ErrNoRows) {
			return true, nil // a deployment already known
		}
		if err != nil {
			return false, redact(err)
		}
		var args riverq.JobArgs = mergeArgs{Key: k, Row: row}
		queue := queueMerge
		if j.Kind == store.KindDeploy {
			args, queue = deployArgs{Key: k, Row: row}, queueDeploy
		}
		res, err := s.client.InsertTx(ctx, tx, args, &riverq.InsertOpts{
			Queue: queue, UniqueOpts: riverq.UniqueOpts{ByArgs: true},
		})
		if err != nil {
			return false, err
		}
		if res.UniqueSkippedAsDuplicate {
			return true, nil
		}
		j.Seq = uint64(row)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, redact(err)
	}
	return false, nil
}

// work is River's Work for a job: it claims the row (only one no listener
// owns), hands the job to the workers and waits until it is done. A
// deployment first takes its lane (snoozing when another listener holds it
// or an older deployment of the lane is open).
func (s *Store) work(ctx context.Context, row int64, kind string) error {
	var lane string
	if kind == "deploy" {
		err := s.pool.QueryRow(ctx, `SELECT lane FROM deployctl_job WHERE id = $1 AND open AND owner IS NULL`, row).Scan(&lane)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // done, or another listener has it
		}
		if err != nil {
			return err
		}
		var older bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deployctl_job WHERE lane = $1 AND open AND id < $2)`,
			lane, row).Scan(&older); err != nil {
			return err
		}
		if older {
			return riverq.JobSnooze(s.o.Snooze)
		}
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key("lane:"+lane)).Scan(&got); err != nil || !got {
			conn.Release()
			if err != nil {
				return err
			}
			return riverq.JobSnooze(s.o.Snooze)
		}
		s.mu.Lock()
		s.lanes[lane] = &laneHold{row: row, conn: conn}
		s.mu.Unlock()
	}
	var body []byte
	err := s.pool.QueryRow(ctx, `UPDATE deployctl_job SET owner = $2, owner_host = $3, updated_at = now()
		WHERE id = $1 AND open AND owner IS NULL RETURNING job`, row, s.id, s.host).Scan(&body)
	if err != nil {
		s.dropLane(lane, row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	}
	h, err := s.hand(row, body, false, true)
	if err != nil {
		s.dropLane(lane, row)
		return err
	}
	select {
	case <-h.done:
		// Done without running (not admitted, shut down before its turn):
		// the lane was not released by the workers.
		s.dropLane(lane, row)
		return nil
	case <-ctx.Done():
		// Shutting down. A job the workers never took up goes back to the
		// queue for another listener; one under way stays this listener's,
		// and another's Orphans takes it once this one is gone.
		s.mu.Lock()
		pending := h.job.Progress.Phase == store.Pending
		if pending {
			delete(s.handed, h.job.Seq)
		}
		s.mu.Unlock()
		s.dropLane(lane, row)
		if pending {
			_, _ = s.pool.Exec(context.Background(), `UPDATE deployctl_job SET owner = NULL WHERE id = $1 AND owner = $2`, row, s.id)
			return riverq.JobSnooze(0)
		}
		return nil
	}
}

// hand gives the job of row to the workers under a new local number.
func (s *Store) hand(row int64, body []byte, recovered, submit bool) (*handed, error) {
	var j store.Job
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, fmt.Errorf("job %d: %w", row, err)
	}
	j.Recovered = recovered
	s.mu.Lock()
	s.seq++
	j.Seq = s.seq
	h := &handed{row: row, job: &j, done: make(chan struct{})}
	s.handed[j.Seq] = h
	f := s.submit
	s.mu.Unlock()
	if submit && f != nil {
		f(&j)
	}
	return h, nil
}

// dropLane releases lane if the deployment of row holds it.
func (s *Store) dropLane(lane string, row int64) {
	if lane == "" {
		return
	}
	s.mu.Lock()
	h := s.lanes[lane]
	if h == nil || h.row != row {
		s.mu.Unlock()
		return
	}
	delete(s.lanes, lane)
	s.mu.Unlock()
	unlock(h.conn, lane)
}

func unlock(conn *pgxpool.Conn, lane string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key("lane:"+lane)); err != nil {
		// The lock is the session's: a connection we cannot unlock on must
		// not go back to the pool holding it.
		_ = conn.Conn().Close(ctx)
	}
	conn.Release()
}

// Save records progress; Done closes the job and completes its River job.
func (s *Store) Save(ctx context.Context, j *store.Job) error {
	s.mu.Lock()
	h := s.handed[j.Seq]
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("job %d was not handed to this listener", j.Seq)
	}
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	done := j.Progress.Phase == store.Done
	var token, file *string
	if j.Progress.LogToken != "" {
		token, file = &j.Progress.LogToken, &j.Progress.LogFile
	}
	if _, err := s.pool.Exec(ctx, `UPDATE deployctl_job SET job = $2, open = $3, log_token = COALESCE($4, log_token),
		log_file = COALESCE($5, log_file), updated_at = now() WHERE id = $1`, h.row, body, !done, token, file); err != nil {
		return redact(err)
	}
	if done {
		s.mu.Lock()
		delete(s.handed, j.Seq)
		s.mu.Unlock()
		close(h.done)
	}
	return nil
}

// Jobs returns the open jobs handed to this listener after local number after.
func (s *Store) Jobs(_ context.Context, kind store.Kind, after uint64, limit int) ([]*store.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Job
	for seq := after + 1; seq <= s.seq && len(out) < limit; seq++ {
		if h := s.handed[seq]; h != nil && h.job.Kind == kind {
			out = append(out, h.job)
		}
	}
	return out, nil
}

// Orphans takes the open jobs of listeners that died (their liveness lock is
// free) and returns them for recovery, each to one listener.
func (s *Store) Orphans(ctx context.Context) ([]*store.Job, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT owner FROM deployctl_job WHERE open AND owner IS NOT NULL AND owner <> $1`, s.id)
	if err != nil {
		return nil, redact(err)
	}
	owners, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, redact(err)
	}
	var out []*store.Job
	for _, owner := range owners {
		jobs, err := s.adopt(ctx, owner)
		if err != nil {
			return out, err
		}
		out = append(out, jobs...)
	}
	return out, nil
}

func (s *Store) adopt(ctx context.Context, owner string) ([]*store.Job, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, redact(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	var dead bool
	if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", key("listener:"+owner)).Scan(&dead); err != nil {
		return nil, redact(err)
	}
	if !dead {
		return nil, nil // alive (or another listener is adopting its jobs right now)
	}
	rows, err := tx.Query(ctx, `UPDATE deployctl_job SET owner = $2, updated_at = now() WHERE open AND owner = $1
		RETURNING id, job, owner_host`, owner, s.id)
	if err != nil {
		return nil, redact(err)
	}
	type orphan struct {
		row  int64
		body []byte
		host *string
	}
	var found []orphan
	for rows.Next() {
		var o orphan
		if err := rows.Scan(&o.row, &o.body, &o.host); err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, redact(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE deployctl_job SET owner_host = $1 WHERE open AND owner = $2`, s.host, s.id); err != nil {
		return nil, redact(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, redact(err)
	}
	var out []*store.Job
	for _, o := range found {
		// Recovery submits what it takes up.
		h, err := s.hand(o.row, o.body, true, false)
		if err != nil {
			s.o.Log.Error("an orphaned job could not be read", "job", o.row, "err", err)
			continue
		}
		// Its process group lived on another machine: not ours to kill.
		if o.host == nil || *o.host != s.host {
			h.job.Progress.PGID, h.job.Progress.PStart = 0, 0
		}
		out = append(out, h.job)
		s.o.Log.Warn("taking up a job of a listener that stopped", "job", o.row, "kind", h.job.Kind)
	}
	return out, nil
}

// Lane holds the deployment's lane across listeners: the lock Work took,
// or (for a job that came another way) a wait for it.
func (s *Store) Lane(ctx context.Context, lane string) (func(), error) {
	lane = laneText(lane)
	s.mu.Lock()
	h := s.lanes[lane]
	s.mu.Unlock()
	if h != nil {
		return func() { s.dropLane(lane, h.row) }, nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, redact(err)
	}
	for {
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key("lane:"+lane)).Scan(&got); err != nil {
			conn.Release()
			return nil, redact(err)
		}
		if got {
			return func() { unlock(conn, lane) }, nil
		}
		select {
		case <-ctx.Done():
			conn.Release()
			return nil, ctx.Err()
		case <-time.After(s.o.Snooze / 4):
		}
	}
}

// LogFile returns the log file registered for token.
func (s *Store) LogFile(ctx context.Context, token string) (string, error) {
	var file *string
	err := s.pool.QueryRow(ctx, `SELECT log_file FROM deployctl_job WHERE log_token = $1`, token).Scan(&file)
	if errors.Is(err, pgx.ErrNoRows) || file == nil {
		return "", nil
	}
	return *file, redact(err)
}

// Check pings the database.
func (s *Store) Check(ctx context.Context) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return redact(s.pool.Ping(ctx))
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops taking work (jobs not taken up go back to the queue), then
// releases the listener's locks and connections.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.client.StopAndCancel(ctx)
		cancel()
	}
	s.release()
	return nil
}

func (s *Store) release() {
	s.mu.Lock()
	lanes := s.lanes
	s.lanes = map[string]*laneHold{}
	s.mu.Unlock()
	for lane, h := range lanes {
		unlock(h.conn, lane)
	}
	if s.alive != nil {
		s.alive.Release()
		s.alive = nil
	}
	s.pool.Close()
}

// PurgeDeliveries deletes delivery IDs older than the retention.
func (s *Store) PurgeDeliveries(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM deployctl_delivery WHERE received_at < $1`, time.Now().Add(-retention))
	return redact(err)
}

// laneText is a lane as PostgreSQL text (which holds no NUL): the
// repository ends at the newline no repository name has.
func laneText(lane string) string { return strings.ReplaceAll(lane, "\x00", "\n") }

func key(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte("deployctl\x00" + s))
	return int64(h.Sum64())
}

// warnOnly passes on River's warnings and errors, not its chatter.
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

var credentials = regexp.MustCompile(`(?i)(postgres(?:ql)?://)[^@/\s]*@|(password=)\S+`)

// redact removes credentials a connection error may quote.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := credentials.ReplaceAllStringFunc(msg, func(m string) string {
		if i := strings.Index(m, "://"); i >= 0 {
			return m[:i+3] + "…@"
		}
		return "password=…"
	})
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
