package githubtest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file holds GitHub's secondary rate limits as tests meet them: injected at a chosen point (after so many
// matching requests), or enforced like GitHub's content-creation limit (so many mutative requests a minute).
// Either way the answer is GitHub's: 403 (or 429) with "You have exceeded a secondary rate limit", a
// Retry-After header when asked for, and X-RateLimit-Remaining untouched (this is not the primary limit).

// SecondaryLimit describes an injected secondary rate limit.
type SecondaryLimit struct {
	Method     string // "" = any
	PathPrefix string // "" = any path
	After      int    // matching requests answered normally first
	Count      int    // matching requests then refused (default 1)
	RetryAfter int    // seconds sent in Retry-After; 0 sends none
	Status     int    // 403 (default) or 429
}

// InjectSecondaryLimit makes matching requests hit a secondary rate limit once After of them have passed.
func (s *Server) InjectSecondaryLimit(l SecondaryLimit) {
	if l.Count == 0 {
		l.Count = 1
	}
	if l.Status == 0 {
		l.Status = http.StatusForbidden
	}
	h := http.Header{}
	if l.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(l.RetryAfter))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{method: l.Method, prefix: l.PathPrefix, n: l.Count, status: l.Status,
		header: h, skip: l.After, secondary: true})
}

// LimitContentCreation enforces GitHub's limit on mutative requests (POST, PATCH, PUT, DELETE; GraphQL
// queries excluded): more than perMinute within any 60 seconds of real time are refused with a secondary
// rate limit (Retry-After: 60). 0 turns it off.
func (s *Server) LimitContentCreation(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contentPerMinute = perMinute
	s.contentTimes = nil
}

// SecondaryLimitHits counts the requests answered with a secondary rate limit so far.
func (s *Server) SecondaryLimitHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secondaryHits
}

// contentLimitLocked reports whether this request goes over the content-creation limit. Caller holds s.mu.
func (s *Server) contentLimitLocked(method, path string) *failure {
	if s.contentPerMinute <= 0 || path == "/graphql" {
		return nil
	}
	switch strings.ToUpper(method) {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return nil
	}
	now := time.Now()
	kept := s.contentTimes[:0]
	for _, t := range s.contentTimes {
		if now.Sub(t) < time.Minute {
			kept = append(kept, t)
		}
	}
	s.contentTimes = kept
	if len(kept) >= s.contentPerMinute {
		return &failure{status: http.StatusForbidden, header: http.Header{"Retry-After": {"60"}}, secondary: true}
	}
	s.contentTimes = append(s.contentTimes, now)
	return nil
}
