// Package store is what the listener's intake and workers need from where
// they keep deliveries and jobs: deliveries recorded once per delivery ID,
// jobs and their progress, and the jobs a previous run (or a listener that
// died) left open. The bbolt journal (internal/listen/journal) is one
// implementation, for one listener; a store that several listeners share
// (PostgreSQL through River) is another.
package store

import (
	"context"
	"errors"
	"time"
)

// Store keeps the listener's deliveries and jobs. Every method is safe for
// concurrent use; a write has reached durable storage when it returns nil.
type Store interface {
	// Append records an accepted delivery and the job it brings (d.Job, may
	// be nil). It reports dup, and records nothing, when d.ID was recorded
	// before or d's job is a deployment already known (Deploy.Key). On
	// success d.Job.Seq and d.Job.DeliveryID are set. The intake
	// acknowledges the delivery only after Append returned nil.
	Append(ctx context.Context, d *Delivery) (dup bool, err error)
	// AddJob records a job no delivery brought (a deployment the listener
	// created). dup as for Append; on success j.Seq is set.
	AddJob(ctx context.Context, j *Job) (dup bool, err error)
	// Save records a job's progress. A job saved in Phase Done is closed:
	// Jobs no longer returns it (its log token stays servable).
	Save(ctx context.Context, j *Job) error
	// Jobs returns up to limit open jobs of kind numbered after after,
	// oldest first, of those this listener is responsible for. Jobs are
	// numbered in the order they become readable, so a cursor on Seq misses
	// none. Jobs left open by a previous run have Recovered set.
	Jobs(ctx context.Context, kind Kind, after uint64, limit int) ([]*Job, error)
	// Orphans hands this listener the open jobs of listeners that died
	// while it runs (Recovered set), each to one listener only; the workers
	// call it every OrphanCheck. A store no other listener shares has none
	// (a previous run's jobs come from Jobs at start).
	Orphans(ctx context.Context) ([]*Job, error)
	// Lane waits until no other listener runs a deployment in lane
	// (Deploy.Lane) and holds it until release is called. A store no other
	// listener shares returns at once: the workers serialise lanes in
	// process.
	Lane(ctx context.Context, lane string) (release func(), err error)
	// LogFile returns the deploy log file (relative to the state
	// directory) registered for a log token, or "".
	LogFile(ctx context.Context, token string) (string, error)
	// Check reports why a delivery could not be recorded now (nil when it
	// could); /healthz answers 503 while it fails.
	Check(ctx context.Context) error
	Close() error
}

// OrphanCheck is how often the workers ask Store.Orphans: a listener that
// died mid-deploy has its deployment marked error by another within about
// twice that (its lease must lapse first).
const OrphanCheck = 30 * time.Second

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store closed")
