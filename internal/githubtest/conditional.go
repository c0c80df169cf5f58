package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// This file is GitHub's conditional requests and its primary rate-limit accounting. GitHub's docs: "Most
// endpoints return an etag header ... If the response has not changed, you will receive a 304 Not Modified
// response. Making a conditional request does not count against your primary rate limit if a 304 response is
// returned." The fake gives every successful GET an ETag derived from the answer's body, answers 304 (no
// body) when If-None-Match names it, and does not count that request. GraphQL is POST only and never 304.

// RateUsage is what counted against the primary rate limit since the server started, by resource, and how
// many requests were answered 304 (and so did not count).
type RateUsage struct {
	Core        int // REST requests that counted
	GraphQL     int // GraphQL requests that counted
	NotModified int // 304 answers
}

// Counted is Core + GraphQL.
func (u RateUsage) Counted() int { return u.Core + u.GraphQL }

// RateUsage returns the rate-limit accounting so far.
func (s *Server) RateUsage() RateUsage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usage
}

// etagOf is a weak validator of the body, in GitHub's format (W/"<32 hex>"): the same answer gets the same
// ETag, so a poll of something unchanged is answered 304.
func etagOf(body []byte) string {
	h := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(h[:16]) + `"`
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2): any listed tag equal to etag once the
// W/ prefixes are set aside, or "*".
func etagMatches(header, etag string) bool {
	opaque := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == opaque {
			return true
		}
	}
	return false
}

// conditional runs after the handler (and after the spec check, which sees the full 200): it sets the
// ETag of a successful GET, turns the answer into a 304 when the client already holds it, and accounts the
// request against the rate limit, rewriting the X-RateLimit-* headers of a 304 so they show it was free.
func (s *Server) conditional(r *http.Request, rec *recorder, graphql bool) {
	notModified := false
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && rec.status == http.StatusOK {
		etag := etagOf(rec.body.Bytes())
		rec.header.Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
			notModified = true
			rec.status = http.StatusNotModified
			rec.body.Reset()
			rec.header.Del("Content-Length")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case notModified || strings.HasSuffix(r.URL.Path, "/rate_limit"):
		// Counted on arrival, before anyone knew: a 304 and GET /rate_limit ("Calling this endpoint does not
		// count against your primary rate limit") are refunded.
		s.rateUsed = max(s.rateUsed-1, 0)
		if notModified {
			s.usage.NotModified++
			rec.header.Set("X-RateLimit-Remaining", strconv.Itoa(rateLimit-s.rateUsed))
			rec.header.Set("X-RateLimit-Used", strconv.Itoa(s.rateUsed))
		}
	case graphql:
		s.usage.GraphQL++
	default:
		s.usage.Core++
	}
}
