package ghapi

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy bounds how reads are retried on 5xx answers and rate limits.
// Writes (POST, DELETE, ...) are never retried here: GitHub may have acted on
// a request whose answer was lost, and only the caller knows whether doing it
// again is harmless.
type RetryPolicy struct {
	// Attempts is the most tries of one request, the first included.
	Attempts int
	// Backoff is the wait before the first retry; it doubles each time.
	Backoff time.Duration
	// MaxWait bounds the time spent waiting between the tries of one request,
	// all waits together; a rate limit that resets later than this is
	// reported, not waited for.
	MaxWait time.Duration
	// Sleep waits for d or until ctx is done (time-based if nil; tests swap it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read X-RateLimit-Reset (time.Now if nil).
	Now func() time.Time
}

// DefaultRetry is what commands use: four tries within about a minute.
var DefaultRetry = RetryPolicy{Attempts: 4, Backoff: 500 * time.Millisecond, MaxWait: 60 * time.Second}

type idempotentKey struct{}

// withIdempotent marks a request that is safe to repeat although its method
// is not (a GraphQL query is a POST).
func withIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// WithIdempotent marks requests made with ctx as safe to repeat. Use it only
// for writes whose repetition changes nothing a user would see.
func WithIdempotent(ctx context.Context) context.Context { return withIdempotent(ctx) }

func retryable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	ok, _ := req.Context().Value(idempotentKey{}).(bool)
	return ok && (req.Body == nil || req.GetBody != nil)
}

type retryTransport struct {
	policy  RetryPolicy
	timeout time.Duration // of each try (none if zero)
	next    http.RoundTripper
}

// try sends req once within t.timeout; the deadline covers the answer's
// body too, so it ends when the body is closed.
func (t *retryTransport) try(req *http.Request) (*http.Response, error) {
	if t.timeout <= 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !retryable(req) {
		return t.try(req)
	}
	p := t.policy
	sleep := p.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	backoff := p.Backoff
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		resp, err := t.try(req)
		if attempt >= p.Attempts || req.Context().Err() != nil {
			return resp, err
		}
		wait, again := p.delay(resp, err, backoff)
		if !again || waited+wait > p.MaxWait {
			return resp, err
		}
		waited += wait
		if resp != nil {
			// Drain a little so the connection can be reused.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			resp.Body.Close()
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		backoff *= 2
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// delay says whether to try again and after how long.
func (p RetryPolicy) delay(resp *http.Response, err error, backoff time.Duration) (time.Duration, bool) {
	jittered := backoff/2 + rand.N(backoff/2+1)
	if err != nil {
		return jittered, true // connection reset, refused, ...
	}
	switch {
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return jittered, true
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusForbidden:
		wait, limited := p.rateLimitWait(resp.Header)
		if !limited || wait > p.MaxWait {
			return 0, false
		}
		return max(wait, jittered), true
	}
	return 0, false
}

// rateLimitWait reads GitHub's rate-limit headers: Retry-After for secondary
// limits, X-RateLimit-Remaining: 0 with X-RateLimit-Reset for the primary one.
func (p RetryPolicy) rateLimitWait(h http.Header) (time.Duration, bool) {
	if s := h.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
	}
	if h.Get("X-RateLimit-Remaining") != "0" {
		return 0, false
	}
	reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return 0, false
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	return max(time.Unix(reset, 0).Sub(now())+time.Second, 0), true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
