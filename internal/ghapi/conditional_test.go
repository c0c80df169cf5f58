package ghapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func get(t *testing.T, c *Client, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestConditionalTurnsNotModifiedIntoTheRememberedAnswer(t *testing.T) {
	t.Setenv("GH_DEBUG", "")
	rec := &recorder{script: []func() *http.Response{
		answer(200, http.Header{"Etag": {`W/"v1"`}, "X-Ratelimit-Remaining": {"4999"}}, `{"n":1}`),
		answer(304, http.Header{"Etag": {`W/"v1"`}, "X-Ratelimit-Remaining": {"4999"}, "X-Github-Request-Id": {"second"}}, ``),
		answer(200, http.Header{"Etag": {`W/"v2"`}}, `{"n":2}`),
		answer(304, http.Header{"Etag": {`W/"v2"`}}, ``),
	}}
	c, err := NewClient(target(t, "https://api.example.com/"), ClientOptions{Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	url := "https://api.example.com/repos/o/r/deployments/1"
	wantBody := []string{`{"n":1}`, `{"n":1}`, `{"n":2}`, `{"n":2}`}
	wantINM := []string{"", `W/"v1"`, `W/"v1"`, `W/"v2"`}
	wantCached := []bool{false, true, false, true}
	for i := range wantBody {
		resp, body := get(t, c, url)
		if resp.StatusCode != 200 || body != wantBody[i] || FromCache(resp) != wantCached[i] {
			t.Errorf("request %d: %d %q cached=%v, want 200 %q cached=%v", i, resp.StatusCode, body, FromCache(resp), wantBody[i], wantCached[i])
		}
		if got := rec.requests[i].Header.Get("If-None-Match"); got != wantINM[i] {
			t.Errorf("request %d: If-None-Match %q, want %q", i, got, wantINM[i])
		}
		if i == 1 && resp.Header.Get("X-Github-Request-Id") != "second" {
			t.Errorf("the 304's own headers are lost: %v", resp.Header)
		}
	}
	if st := c.Conditional.Stats(); st != (ConditionalStats{Conditional: 3, NotModified: 2}) {
		t.Errorf("stats %+v", st)
	}
}

func TestConditionalSeparatesIdentitiesAndForgets(t *testing.T) {
	t.Setenv("GH_DEBUG", "")
	rec := &recorder{}
	for range 8 {
		rec.script = append(rec.script, answer(200, http.Header{"Etag": {`"x"`}}, `{}`))
	}
	cache := NewConditionalCache(2)
	tgt := target(t, "https://api.example.com/")
	a, _ := NewClient(tgt, ClientOptions{Transport: rec, Conditional: cache})
	tgt.Token = "another-token"
	b, _ := NewClient(tgt, ClientOptions{Transport: rec, Conditional: cache})

	get(t, a, "https://api.example.com/one")
	get(t, b, "https://api.example.com/one") // another token: another entry, nothing sent conditionally
	get(t, a, "https://api.example.com/one") // a's is used again, so b's is now the oldest
	get(t, a, "https://api.example.com/two") // evicts b's /one
	get(t, b, "https://api.example.com/one") // evicts a's /one
	get(t, a, "https://api.example.com/two")
	want := []string{"", "", `"x"`, "", "", `"x"`}
	for i, w := range want {
		if got := rec.requests[i].Header.Get("If-None-Match"); got != w {
			t.Errorf("request %d (%s): If-None-Match %q, want %q", i, rec.requests[i].URL.Path, got, w)
		}
	}

	// Writes and requests with their own validators pass untouched.
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/one", nil)
	req.Header.Set("If-None-Match", `"mine"`)
	resp, err := a.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.requests[len(rec.requests)-1].Header.Get("If-None-Match"); got != `"mine"` {
		t.Errorf("caller's own If-None-Match replaced by %q", got)
	}
}

// Against the fake GitHub, through go-github: polling an unchanged deployment costs one request of rate limit.
func TestConditionalAgainstGitHub(t *testing.T) {
	t.Setenv("GH_DEBUG", "")
	s := githubtest.NewT(t)
	s.SeedDeployments("octo/demo", 1)
	tgt := target(t, s.URL()+"/")
	tgt.Token = githubtest.DefaultToken
	c, err := NewClient(tgt, ClientOptions{Transport: http.DefaultTransport})
	if err != nil {
		t.Fatal(err)
	}
	before := s.RateUsage()
	for i := range 5 {
		st, resp, err := c.REST.Repositories.ListDeploymentStatuses(context.Background(), "octo", "demo", 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 1 || st[0].GetState() != "success" {
			t.Fatalf("poll %d: %v", i, st)
		}
		if FromCache(resp.Response) != (i > 0) {
			t.Errorf("poll %d: from cache %v", i, FromCache(resp.Response))
		}
	}
	u := s.RateUsage()
	if got := fmt.Sprint(u.Core-before.Core, " ", u.NotModified-before.NotModified); got != "1 4" {
		t.Errorf("counted, not modified = %s, want 1 4", got)
	}
}

func TestConditionalCacheBoundsItsBytes(t *testing.T) {
	c := NewConditionalCache(0)
	c.maxTotal = 10
	for i, body := range []string{"aaaa", "bbbb", "cccc"} {
		c.put(&cacheEntry{key: fmt.Sprint(i), etag: `"x"`, body: []byte(body)})
	}
	if c.get("0") != nil || c.get("1") == nil || c.get("2") == nil || c.total != 8 {
		t.Errorf("after 12 bytes in a 10-byte cache: total %d, oldest kept %v", c.total, c.get("0") != nil)
	}
	c.drop("1")
	c.put(&cacheEntry{key: "2", etag: `"y"`, body: []byte("cc")}) // replaced: its old size no longer counts
	if c.total != 2 || c.lru.Len() != 1 {
		t.Errorf("total %d, %d entries", c.total, c.lru.Len())
	}
}
