// Package githubtest is a fake GitHub for deployctl's tests: one stateful httptest.Server that speaks GitHub's
// REST API for deployments, statuses and environments, the GraphQL deployments connection, and sends signed
// webhooks for what happens in it. It keeps real state and applies GitHub's own rules (defaults, validation,
// required status checks, auto-merge, auto_inactive, delete rules, pagination), so tests exercise deployctl
// against behaviour, not against canned answers. Given GitHub's API description (Options.SpecDir, or
// DEPLOYCTL_TEST_API_DIR with NewT) it also checks every request and every answer against it.
//
// It deliberately imports nothing from deployctl: it plays GitHub, and GitHub does not know its clients.
package githubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultToken is pre-registered with write access; its user is "octocat".
const DefaultToken = "ghp_faketoken0000000000000000000000000"

// EnvAPIDir names the environment variable NewT reads SpecDir from.
const EnvAPIDir = "DEPLOYCTL_TEST_API_DIR"

const rateLimit = 5000

// Options configures New.
type Options struct {
	SpecDir string        // folder with deployments.openapi.json and deployments.graphql; "" = no validation
	Latency time.Duration // added to every request
}

// Server is the fake GitHub. It is safe for concurrent use.
type Server struct {
	ts   *httptest.Server
	mux  *http.ServeMux
	spec *spec // nil without SpecDir

	mu               sync.Mutex
	clock            time.Time
	latency          time.Duration
	users            map[string]*user // by token
	repos            map[string]*Repo // by lower-case full name
	nextRepoID       int64
	nextUserID       int64
	nextEnvID        int64
	nextDeploymentID int64
	nextStatusID     int64
	nextRequestID    int64
	rateUsed         int
	usage            RateUsage   // conditional.go
	contentPerMinute int         // ratelimit.go
	contentTimes     []time.Time // mutative requests of the last minute
	secondaryHits    int
	requests         []Request
	failures         []*failure
	violations       []string
	pending          *[]event // events of the request being handled, sent after it unlocks

	hooksMu    sync.Mutex
	hooks      []*Hook
	deliveries []Delivery
	deliveryCh chan struct{} // closed and replaced whenever a delivery is recorded
	nextHookID int64
}

// Request is one request the fake received, as recorded by Requests.
type Request struct {
	Method string
	Path   string // as received, including any /api/v3 prefix
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int // the status the fake answered
}

type failure struct {
	method, prefix string
	n, status      int
	header         http.Header
	skip           int    // matching requests to let through first (ratelimit.go)
	secondary      bool   // a secondary rate limit: counted by SecondaryLimitHits
	message        string // GitHub's message, when not the one failureMessage picks (failures.go)
}

// New starts a fake GitHub with repository octo/demo (default branch main) and DefaultToken.
// It panics if Options.SpecDir is set but cannot be loaded.
func New(opts Options) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic("githubtest: " + err.Error())
	}
	return s
}

// NewT starts a fake GitHub for t, validating against the API description in $DEPLOYCTL_TEST_API_DIR when set.
// It is closed when t ends, and t fails if any spec violation was recorded.
func NewT(t testing.TB) *Server {
	t.Helper()
	dir := TestDir(EnvAPIDir)
	if dir == "" {
		t.Log(EnvAPIDir + " not set: skipping checks against GitHub's API description")
	}
	s, err := newServer(Options{SpecDir: dir})
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.SpecViolations() {
			t.Errorf("githubtest: spec violation: %s", v)
		}
	})
	return s
}

func newServer(opts Options) (*Server, error) {
	s := &Server{
		clock:      epoch,
		latency:    opts.Latency,
		users:      map[string]*user{},
		repos:      map[string]*Repo{},
		deliveryCh: make(chan struct{}),
		// Status IDs live in another range than deployment IDs, so a test that mixes them up fails.
		nextStatusID: 100000,
	}
	if opts.SpecDir != "" {
		sp, err := loadSpec(opts.SpecDir)
		if err != nil {
			return nil, err
		}
		s.spec = sp
	}
	s.addUser(DefaultToken, "octocat", true)
	s.AddRepo("octo/demo", "main")
	s.mux = http.NewServeMux()
	s.routes()
	s.routesGit(s.mux)
	s.routesActions(s.mux)
	s.routesUser(s.mux)
	s.routesPulls(s.mux)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// URL is the REST base URL (GraphQL is at URL()+"/graphql"; both are also served under /api/v3 and /api/graphql).
func (s *Server) URL() string { return s.ts.URL }

// GraphQLURL is URL()+"/graphql".
func (s *Server) GraphQLURL() string { return s.ts.URL + "/graphql" }

// Client is an http.Client for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the server down and stops webhook delivery.
func (s *Server) Close() {
	s.ts.Close()
	s.hooksMu.Lock()
	hooks := s.hooks
	s.hooksMu.Unlock()
	for _, h := range hooks {
		h.stop()
	}
}

func (s *Server) addUser(token, login string, write bool) {
	s.nextUserID++
	s.users[token] = &user{id: s.nextUserID, login: login, write: write}
}

// AddToken registers a token. write=false tokens can read, and get 403 on writes.
func (s *Server) AddToken(token string, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(token, fmt.Sprintf("tester%d", s.nextUserID+1), write)
}

// AddTokenFor registers a token for a user with the given login.
func (s *Server) AddTokenFor(token, login string, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(token, login, write)
}

// SetLatency changes the delay added to every request.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailNext makes the next n requests whose method matches (""= any) and whose path (with or without an
// /api/v3 prefix) starts with pathPrefix fail with status and a GitHub-style JSON message; header is added
// to the answer (e.g. Retry-After, X-RateLimit-Remaining: 0).
func (s *Server) FailNext(method, pathPrefix string, n int, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{method: method, prefix: pathPrefix, n: n, status: status, header: header.Clone()})
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// SpecViolations lists every disagreement with GitHub's API description seen so far ("METHOD path: reason").
func (s *Server) SpecViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func (s *Server) violation(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

type ctxKey int

const (
	ctxBase ctxKey = iota
	ctxUser
)

// base is the REST base URL the client used (with /api/v3 for GHES-style requests), for URLs in answers.
func base(r *http.Request) string { return r.Context().Value(ctxBase).(string) }

func currentUser(r *http.Request) *user { return r.Context().Value(ctxUser).(*user) }

// recorder buffers a handler's answer so it can be checked against the spec before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header         { return w.header }
func (w *recorder) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := readAll(r)
	s.mu.Lock()
	latency := s.latency
	s.nextRequestID++
	reqID := fmt.Sprintf("F%03X:%04X:%06X:%06X:%08X", s.nextRequestID%4096, 1, s.nextRequestID, s.nextRequestID*7, s.nextRequestID)
	s.rateUsed++
	if s.rateUsed >= rateLimit {
		s.rateUsed = 1 // a new rate-limit window: the fake never runs out unless told to (FailNext)
	}
	used := s.rateUsed
	s.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}

	path := r.URL.Path
	prefix := ""
	switch {
	case path == "/api/graphql":
		prefix, path = "/api", "/graphql"
	case strings.HasPrefix(path, "/api/v3/") || path == "/api/v3":
		prefix, path = "/api/v3", strings.TrimPrefix(path, "/api/v3")
		if path == "" {
			path = "/"
		}
	}
	baseURL := "http://" + r.Host + prefix
	if prefix == "/api" {
		baseURL = "http://" + r.Host + "/api/v3"
	}

	rec := &recorder{header: http.Header{}}
	rec.header.Set("Content-Type", "application/json; charset=utf-8")
	rec.header.Set("X-GitHub-Request-Id", reqID)
	rec.header.Set("X-GitHub-Media-Type", "github.v3; format=json")
	rec.header.Set("X-RateLimit-Limit", strconv.Itoa(rateLimit))
	rec.header.Set("X-RateLimit-Remaining", strconv.Itoa(rateLimit-used))
	rec.header.Set("X-RateLimit-Used", strconv.Itoa(used))
	rec.header.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	resource := "core"
	if path == "/graphql" {
		resource = "graphql"
	}
	rec.header.Set("X-RateLimit-Resource", resource)

	inner := r.Clone(context.WithValue(r.Context(), ctxBase, baseURL))
	inner.URL.Path = path
	inner.URL.RawPath = ""
	inner.Body = http.NoBody
	inner.Body = readCloser(body)

	if f := s.takeFailure(r.Method, r.URL.Path, path); f != nil {
		for k, v := range f.header {
			rec.header[k] = v
		}
		msg := f.message
		if msg == "" {
			msg = failureMessage(f.status, rec.header)
		}
		writeError(rec, f.status, msg, "")
	} else if u, ok := s.authenticate(r); !ok {
		writeError(rec, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	} else {
		inner = inner.WithContext(context.WithValue(inner.Context(), ctxUser, u))
		s.mux.ServeHTTP(rec, inner)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}

	if s.spec != nil {
		if path == "/graphql" {
			// GraphQL queries are checked by the handler, against the schema.
		} else {
			for _, v := range s.spec.check(r.Method, path, r.URL.RawQuery, r.Header, body, rec) {
				s.violation("%s %s: %s", r.Method, r.URL.Path, v)
			}
		}
	}

	s.conditional(r, rec, path == "/graphql")

	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Status: rec.status,
	})
	s.mu.Unlock()

	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	if rec.status != http.StatusNoContent {
		_, _ = w.Write(rec.body.Bytes())
	}
}

func (s *Server) takeFailure(method, rawPath, path string) *failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.contentLimitLocked(method, path); f != nil {
		s.secondaryHits++
		return f
	}
	for i, f := range s.failures {
		if f.method != "" && !strings.EqualFold(f.method, method) {
			continue
		}
		if !strings.HasPrefix(rawPath, f.prefix) && !strings.HasPrefix(path, f.prefix) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		if f.secondary {
			s.secondaryHits++
		}
		f.n--
		if f.n <= 0 {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
		}
		return f
	}
	return nil
}

func failureMessage(status int, h http.Header) string {
	switch {
	case status == http.StatusForbidden && h.Get("X-RateLimit-Remaining") == "0":
		return "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID."
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		return "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID."
	case status >= 500:
		return "Server Error"
	}
	return http.StatusText(status)
}

func (s *Server) authenticate(r *http.Request) (*user, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || (!strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "bearer")) {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[strings.TrimSpace(token)]
	return u, ok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers GitHub's error shape: message, documentation_url and status (a string, as GitHub sends it).
func writeError(w http.ResponseWriter, status int, message, doc string) {
	if doc == "" {
		doc = "https://docs.github.com/rest"
	}
	writeJSON(w, status, obj{"message": message, "documentation_url": doc, "status": strconv.Itoa(status)})
}

// writeValidation answers 422 Validation Failed with GitHub's errors array.
func writeValidation(w http.ResponseWriter, doc string, errs ...obj) {
	writeJSON(w, http.StatusUnprocessableEntity, obj{
		"message": "Validation Failed", "errors": errs, "documentation_url": doc, "status": "422",
	})
}

type obj = map[string]any
