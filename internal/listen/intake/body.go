package intake

import (
	"context"
	"errors"
	"io"
	"time"

	"golang.org/x/sync/semaphore"
)

const (
	// BodyBudget bounds the bytes the bodies of all deliveries being read
	// hold at once: room for one delivery of the largest size and a few
	// hundred ordinary ones. A body takes its share as it arrives, never by
	// what its Content-Length announces.
	BodyBudget = 32 << 20
	// firstChunk is the most a body gets before its bytes arrive; it then
	// doubles as they do.
	firstChunk = 64 << 10
	// budgetWait is how long a body waits for its share of the budget
	// before the delivery gets 503 (GitHub waits 10 s for an answer).
	budgetWait = 8 * time.Second
)

// errBusy means the body budget stayed spent for budgetWait.
var errBusy = errors.New("too many deliveries being read at once")

// Budget is the memory the intake may use for bodies; share one between
// handlers that serve the same process. The zero value is not usable: use
// NewBudget.
type Budget struct{ sem *semaphore.Weighted }

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget { return &Budget{sem: semaphore.NewWeighted(n)} }

// body is a delivery's bytes and the share of the budget they hold.
type body struct {
	b      []byte
	budget *Budget
	held   int64
}

func (b *body) release() {
	if b.held > 0 {
		b.budget.sem.Release(b.held)
		b.held = 0
	}
}

// readBody reads r (at most limit bytes: the reader enforces it) into memory
// taken from the budget as the bytes arrive. contentLength only sizes the
// first chunk. The caller releases the body.
func (bg *Budget) readBody(ctx context.Context, r io.Reader, contentLength, limit int64) (*body, error) {
	out := &body{budget: bg}
	next := int64(firstChunk)
	if contentLength >= 0 && contentLength < next {
		next = contentLength + 1 // room to see EOF without growing
	}
	for {
		if len(out.b) == cap(out.b) {
			grow := min(next, limit+1-int64(cap(out.b)))
			if grow <= 0 {
				grow = 1
			}
			wctx, cancel := context.WithTimeout(ctx, budgetWait)
			err := bg.sem.Acquire(wctx, grow)
			cancel()
			if err != nil {
				out.release()
				return nil, errBusy
			}
			out.held += grow
			nb := make([]byte, len(out.b), int64(cap(out.b))+grow)
			copy(nb, out.b)
			out.b = nb
			next = int64(cap(out.b)) // double
		}
		n, err := r.Read(out.b[len(out.b):cap(out.b)])
		out.b = out.b[:len(out.b)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			out.release()
			return nil, err
		}
	}
}
