package ghapi

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Conditional requests. GitHub answers most GETs with an ETag; sending it
// back in If-None-Match gets a 304 Not Modified when nothing changed, and a
// 304 does not count against the primary rate limit. A caller that polls
// (wait, the listener's poll mode) or reads the same list twice gets this for
// free: the transport remembers the last answer per URL and identity, asks
// conditionally, and turns a 304 back into that answer.
//
// Not an RFC 9111 cache (gregjones/httpcache and friends): GitHub sends
// "Cache-Control: private, max-age=60", and such a cache would answer from
// memory for a minute without asking, so a poll would not see a deployment
// change for up to 60 s. Here every request reaches GitHub; only the body of
// an unchanged answer is reused.

// FromCacheHeader is set ("1") on an answer rebuilt from a 304: the body is
// the remembered one, the other headers (rate limit, request ID) are the 304's.
const FromCacheHeader = "X-From-Cache"

// FromCache reports whether resp was rebuilt from a 304 Not Modified.
func FromCache(resp *http.Response) bool {
	return resp != nil && resp.Header.Get(FromCacheHeader) == "1"
}

// ConditionalCache remembers the last ETag'd answer per URL and identity. One
// cache may be shared by several clients; it is safe for concurrent use. The
// zero value is not usable: use NewConditionalCache.
type ConditionalCache struct {
	mu       sync.Mutex
	entries  map[string]*list.Element
	lru      *list.List // front = most recently used
	max      int
	maxBody  int
	maxTotal int // bodies together
	total    int
	hits     int // 304s turned into an answer
	requests int // conditional requests sent
}

type cacheEntry struct {
	key    string
	etag   string
	header http.Header
	body   []byte
}

// Default bounds: enough for a command's or a poller's working set of URLs,
// small enough that a long-running listener never grows with it.
const (
	defaultCacheEntries = 512
	defaultCacheBody    = 4 << 20
	defaultCacheTotal   = 32 << 20
)

// NewConditionalCache holds at most maxEntries answers (least recently used
// go first; <= 0: 512) of at most 4 MiB each (larger ones are not kept) and
// 32 MiB together.
func NewConditionalCache(maxEntries int) *ConditionalCache {
	if maxEntries <= 0 {
		maxEntries = defaultCacheEntries
	}
	return &ConditionalCache{entries: map[string]*list.Element{}, lru: list.New(), max: maxEntries,
		maxBody: defaultCacheBody, maxTotal: defaultCacheTotal}
}

// ConditionalStats counts what a cache did.
type ConditionalStats struct {
	Conditional int // requests sent with If-None-Match
	NotModified int // of them, answered 304 (and so free of rate limit)
}

// Stats returns the counts so far.
func (c *ConditionalCache) Stats() ConditionalStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ConditionalStats{Conditional: c.requests, NotModified: c.hits}
}

// cacheKey separates answers by who asked (GitHub's answers vary by
// Authorization and Accept) and what. The token itself is not kept, only a
// digest of it.
func cacheKey(req *http.Request) string {
	id := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return hex.EncodeToString(id[:8]) + "\x00" + req.Header.Get("Accept") + "\x00" + req.URL.String()
}

func (c *ConditionalCache) get(key string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry)
}

func (c *ConditionalCache) put(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		c.total -= len(el.Value.(*cacheEntry).body)
		el.Value = e
		c.lru.MoveToFront(el)
	} else {
		c.entries[e.key] = c.lru.PushFront(e)
	}
	c.total += len(e.body)
	for c.lru.Len() > c.max || (c.total > c.maxTotal && c.lru.Len() > 1) {
		c.remove(c.lru.Back())
	}
}

// remove forgets one entry. Caller holds c.mu.
func (c *ConditionalCache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.total -= len(e.body)
}

func (c *ConditionalCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
}

func (c *ConditionalCache) count(notModified bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	if notModified {
		c.hits++
	}
}

// conditionalTransport sits below the token guard (so it sees the
// Authorization the request will carry) and above the retries (so a retried
// request stays conditional).
type conditionalTransport struct {
	cache *ConditionalCache
	next  http.RoundTripper
}

func (t *conditionalTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Only plain GETs: a caller that sets its own validators or a range
	// knows what it wants.
	if req.Method != http.MethodGet || req.Header.Get("If-None-Match") != "" ||
		req.Header.Get("If-Modified-Since") != "" || req.Header.Get("Range") != "" {
		return t.next.RoundTrip(req)
	}
	key := cacheKey(req)
	have := t.cache.get(key)
	if have != nil {
		req = req.Clone(req.Context())
		req.Header.Set("If-None-Match", have.etag)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if have != nil {
		t.cache.count(resp.StatusCode == http.StatusNotModified)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && have != nil:
		return t.fromCache(resp, have), nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		return t.remember(key, resp)
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		// A new answer without a validator, or the object is gone: the
		// remembered one is stale.
		if have != nil {
			t.cache.drop(key)
		}
	}
	return resp, nil
}

// fromCache rebuilds the remembered 200 with the 304's headers on top: a 304
// carries the current rate-limit figures, request ID and ETag.
func (t *conditionalTransport) fromCache(resp *http.Response, e *cacheEntry) *http.Response {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	h := e.header.Clone()
	for k, v := range resp.Header {
		h[k] = v
	}
	h.Set(FromCacheHeader, "1")
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	out := *resp
	out.Status = "200 OK"
	out.StatusCode = http.StatusOK
	out.Header = h
	out.ContentLength = int64(len(e.body))
	out.Body = io.NopCloser(bytes.NewReader(e.body))
	return &out
}

// remember reads the body (up to the size limit) and keeps it; a larger body
// is passed on untouched and not kept.
func (t *conditionalTransport) remember(key string, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(t.cache.maxBody)+1))
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if len(body) > t.cache.maxBody {
		t.cache.drop(key)
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	t.cache.put(&cacheEntry{key: key, etag: resp.Header.Get("ETag"), header: resp.Header.Clone(), body: body})
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
