package githubtest

import (
	"io"
	"net/http"
	"strconv"
	"testing"
)

func callIfNoneMatch(t *testing.T, s *Server, path, etag string) resp {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	req.Header.Set("Accept", "application/vnd.github+json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, body}
}

func TestConditionalRequestsAreFreeWhenUnchanged(t *testing.T) {
	s := NewT(t)
	id := create(t, s, map[string]any{"ref": "main"})
	path := "/repos/octo/demo/deployments/" + itoa(id) + "/statuses"
	before := s.RateUsage()

	first := callIfNoneMatch(t, s, path, "")
	mustStatus(t, first, 200)
	etag := first.header.Get("ETag")
	if len(etag) != len(`W/""`)+32 || etag[:3] != `W/"` {
		t.Fatalf("ETag %q, want GitHub's W/\"<32 hex>\"", etag)
	}
	remaining := first.header.Get("X-RateLimit-Remaining")

	for _, inm := range []string{etag, etag[2:], `"other", ` + etag, "*"} {
		again := callIfNoneMatch(t, s, path, inm)
		mustStatus(t, again, 304)
		if len(again.body) != 0 {
			t.Errorf("304 with a body: %q", again.body)
		}
		if got := again.header.Get("ETag"); got != etag {
			t.Errorf("304 ETag %q, want %q", got, etag)
		}
		if got := again.header.Get("X-RateLimit-Remaining"); got != remaining {
			t.Errorf("If-None-Match %s: X-RateLimit-Remaining %s after a 304, want %s (a 304 is free)", inm, got, remaining)
		}
	}
	if u := s.RateUsage(); u.Core-before.Core != 1 || u.NotModified-before.NotModified != 4 {
		t.Errorf("usage %+v (before %+v): want 1 counted, 4 not modified", u, before)
	}

	// A change gives a new ETag and a full answer that counts.
	setStatus(t, s, id, map[string]any{"state": "in_progress"})
	changed := callIfNoneMatch(t, s, path, etag)
	mustStatus(t, changed, 200)
	if changed.header.Get("ETag") == etag || len(changed.list(t)) != 1 {
		t.Errorf("after a new status: ETag %q (old %q), body %s", changed.header.Get("ETag"), etag, changed.body)
	}
	rem, _ := strconv.Atoi(changed.header.Get("X-RateLimit-Remaining"))
	was, _ := strconv.Atoi(remaining)
	if rem != was-2 { // the status POST and this GET
		t.Errorf("X-RateLimit-Remaining %d, want %d", rem, was-2)
	}
}

func TestConditionalOnlyForSuccessfulReads(t *testing.T) {
	s := NewT(t)
	missing := callIfNoneMatch(t, s, "/repos/octo/demo/deployments/999", "*")
	mustStatus(t, missing, 404)
	if missing.header.Get("ETag") != "" {
		t.Errorf("404 has an ETag")
	}
	r := call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"})
	mustStatus(t, r, 201)
	if r.header.Get("ETag") != "" {
		t.Errorf("POST answer has an ETag")
	}
	before := s.RateUsage()
	mustStatus(t, call(t, s, "GET", "/rate_limit", nil), 200)
	if u := s.RateUsage(); u != before {
		t.Errorf("GET /rate_limit counted: %+v -> %+v", before, u)
	}
	q := `{"query":"{ rateLimit { cost } }"}`
	g := call(t, s, "POST", "/graphql", q)
	mustStatus(t, g, 200)
	if u := s.RateUsage(); u.GraphQL != before.GraphQL+1 || u.Core != before.Core {
		t.Errorf("GraphQL accounting: %+v -> %+v", before, u)
	}
}
