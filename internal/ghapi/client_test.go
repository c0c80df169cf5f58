package ghapi

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder answers every request with the next scripted response and keeps
// what it was sent. It stands in for the network, not for GitHub.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	script   []func() *http.Response
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`))}
	if len(r.script) > 0 {
		resp = r.script[0]()
		r.script = r.script[1:]
	}
	resp.Request = req
	return resp, nil
}

func answer(code int, header http.Header, body string) func() *http.Response {
	return func() *http.Response {
		if header == nil {
			header = http.Header{}
		}
		header.Set("Content-Type", "application/json")
		return &http.Response{StatusCode: code, Header: header, Body: io.NopCloser(strings.NewReader(body))}
	}
}

func target(t *testing.T, rest string) Target {
	t.Helper()
	u, _ := url.Parse(rest)
	g := *u
	g.Path = strings.TrimSuffix(u.Path, "v3/") + "graphql"
	return Target{Host: u.Host, RESTURL: u, GraphQLURL: &g, Token: "secret-token-123", TokenSource: "GH_TOKEN"}
}

func noSleep(context.Context, time.Duration) error { return nil }

func TestTokenOnlyForTheAPIHost(t *testing.T) {
	t.Setenv("GH_DEBUG", "")
	rec := &recorder{}
	c, err := NewClient(target(t, "https://ghe.example.com:8443/api/v3/"), ClientOptions{Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"https://ghe.example.com:8443/api/v3/repos/o/r", // the API, port included: gets the token
		"https://ghe.example.com:8443/api/graphql",
		"https://ghe.example.com/api/v3/repos/o/r",  // same host, other port: no token
		"https://evil.ghe.example.com:8443/x",       // subdomain: no token
		"http://127.0.0.1:9/from-a-webhook-payload", // anything else: no token
	} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := []string{"token secret-token-123", "token secret-token-123", "", "", ""}
	for i, req := range rec.requests {
		if got := req.Header.Get("Authorization"); got != want[i] {
			t.Errorf("%s: Authorization %q, want %q", req.URL, got, want[i])
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	rateLimited := http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(time.Now().Add(2*time.Second).Unix(), 10)}}
	farReset := http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}}
	tests := []struct {
		name      string
		method    string
		script    []func() *http.Response
		wantCalls int
		wantCode  int
		wantWaits int
	}{
		{"GET 502 then 200", "GET", []func() *http.Response{answer(502, nil, `{}`), answer(200, nil, `{}`)}, 2, 200, 1},
		{"GET 5xx until attempts run out", "GET", []func() *http.Response{answer(500, nil, ``), answer(502, nil, ``), answer(503, nil, ``), answer(504, nil, ``)}, 3, 503, 2},
		{"POST 502 is not retried", "POST", []func() *http.Response{answer(502, nil, `{}`), answer(201, nil, `{}`)}, 1, 502, 0},
		{"GET 403 rate limit then 200", "GET", []func() *http.Response{answer(403, rateLimited, `{"message":"API rate limit exceeded"}`), answer(200, nil, `{}`)}, 2, 200, 1},
		{"GET 429 Retry-After", "GET", []func() *http.Response{answer(429, http.Header{"Retry-After": {"1"}}, `{}`), answer(200, nil, `{}`)}, 2, 200, 1},
		{"GET rate limits waited for at most MaxWait in all", "GET", []func() *http.Response{answer(429, http.Header{"Retry-After": {"40"}}, `{}`),
			answer(429, http.Header{"Retry-After": {"40"}}, `{}`), answer(200, nil, `{}`)}, 2, 429, 1},
		{"GET reset an hour away is reported", "GET", []func() *http.Response{answer(403, farReset, `{"message":"API rate limit exceeded"}`)}, 1, 403, 0},
		{"GET plain 403 is not retried", "GET", []func() *http.Response{answer(403, nil, `{"message":"Resource not accessible by integration"}`)}, 1, 403, 0},
		{"GET 404 is not retried", "GET", []func() *http.Response{answer(404, nil, `{}`)}, 1, 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{script: tt.script}
			var waits []time.Duration
			policy := RetryPolicy{Attempts: 3, Backoff: 10 * time.Millisecond, MaxWait: time.Minute,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			c, err := NewClient(target(t, "https://api.example.com/"), ClientOptions{Transport: rec, Retry: policy})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(tt.method, "https://api.example.com/x", strings.NewReader(""))
			resp, err := c.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(rec.requests) != tt.wantCalls || resp.StatusCode != tt.wantCode || len(waits) != tt.wantWaits {
				t.Errorf("calls %d, code %d, waits %v; want %d, %d, %d waits", len(rec.requests), resp.StatusCode, waits, tt.wantCalls, tt.wantCode, tt.wantWaits)
			}
		})
	}
}

func TestGraphQLQueryIsRetriedWithItsBody(t *testing.T) {
	rec := &recorder{script: []func() *http.Response{answer(502, nil, ``), answer(200, nil, `{"data":{"x":1}}`)}}
	c, err := NewClient(target(t, "https://api.example.com/"), ClientOptions{Transport: rec,
		Retry: RetryPolicy{Attempts: 3, Backoff: time.Millisecond, MaxWait: time.Second, Sleep: noSleep}})
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ X int }
	if err := c.GraphQL(context.Background(), "query{x}", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.X != 1 || len(rec.requests) != 2 {
		t.Fatalf("x=%d after %d requests", out.X, len(rec.requests))
	}
	body, _ := io.ReadAll(rec.requests[1].Body)
	if !strings.Contains(string(body), "query{x}") {
		t.Errorf("retried request lost its body: %q", body)
	}
}

func TestGraphQLErrors(t *testing.T) {
	rec := &recorder{script: []func() *http.Response{
		answer(200, nil, `{"data":{"repository":null},"errors":[{"type":"NOT_FOUND","message":"Could not resolve to a Repository with the name 'o/r'."}]}`),
		answer(401, nil, `{"message":"Bad credentials"}`),
	}}
	c, _ := NewClient(target(t, "https://api.example.com/"), ClientOptions{Transport: rec})
	var out any
	err := c.GraphQL(context.Background(), "query{x}", nil, &out)
	gerr, ok := err.(GraphQLErrors)
	if !ok || !gerr.NotFound() || !strings.Contains(err.Error(), "Could not resolve") {
		t.Fatalf("err = %v", err)
	}
	err = c.GraphQL(context.Background(), "query{x}", nil, &out)
	if !IsAuth(err) || !strings.Contains(err.Error(), "Bad credentials") || strings.Contains(err.Error(), "secret-token-123") {
		t.Fatalf("err = %v", err)
	}
}
