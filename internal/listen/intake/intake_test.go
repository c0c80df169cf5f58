package intake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

const secret = "It's a Secret to Everybody"

func sign256(body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func sign1(body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

type fixture struct {
	h    *Handler
	j    *journal.Journal
	mu   sync.Mutex
	jobs []*store.Job
}

func newFixture(t testing.TB, rules Rules) *fixture {
	j, err := journal.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	f := &fixture{j: j}
	f.h = &Handler{
		Secret: []byte(secret), Rules: rules, Journal: j,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Accepted: func(job *store.Job) {
			f.mu.Lock()
			f.jobs = append(f.jobs, job)
			f.mu.Unlock()
		},
	}
	return f
}

type delivery struct {
	event, id, ctype, sig string
	body                  []byte
	method                string
}

func (f *fixture) do(d delivery) *httptest.ResponseRecorder {
	if d.method == "" {
		d.method = http.MethodPost
	}
	r := httptest.NewRequest(d.method, "/event_handler", bytes.NewReader(d.body))
	if d.ctype != "" {
		r.Header.Set("Content-Type", d.ctype)
	}
	if d.event != "" {
		r.Header.Set("X-GitHub-Event", d.event)
	}
	if d.id != "" {
		r.Header.Set("X-GitHub-Delivery", d.id)
	}
	if d.sig != "" {
		r.Header.Set("X-Hub-Signature-256", d.sig)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func signed(event, id string, body []byte) delivery {
	return delivery{event: event, id: id, ctype: "application/json", sig: sign256(body), body: body}
}

const mergedPR = `{"action":"closed","number":5,"repository":{"full_name":"octo/demo","default_branch":"main"},
 "pull_request":{"number":5,"merged":true,"user":{"login":"mona"},
 "head":{"ref":"feature","sha":"0123456789abcdef0123456789abcdef01234567"},"base":{"ref":"main"}}}`

const deploymentEvent = `{"action":"created","repository":{"full_name":"octo/demo"},
 "deployment":{"id":42,"sha":"0123456789abcdef0123456789abcdef01234567","ref":"main","task":"deploy",
 "environment":"staging","description":"hi","creator":{"login":"mona"},"payload":{"a":1}}}`

func TestAnswers(t *testing.T) {
	rules := Rules{CreateOnMerge: true, Exec: true}
	pr := []byte(mergedPR)
	form := []byte(url.Values{"payload": {mergedPR}}.Encode())
	cases := []struct {
		name string
		d    delivery
		want int
		job  bool
	}{
		{"merged PR, json", signed("pull_request", "a1", pr), 202, true},
		{"merged PR, form", delivery{event: "pull_request", id: "a2", ctype: "application/x-www-form-urlencoded", sig: sign256(form), body: form}, 202, true},
		{"deployment", signed("deployment", "a3", []byte(deploymentEvent)), 202, true},
		{"ping", signed("ping", "a4", []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)), 200, false},
		{"unknown event", signed("issues", "a5", []byte(`{"action":"opened"}`)), 202, false},
		{"missing signature", delivery{event: "pull_request", id: "b1", ctype: "application/json", body: pr}, 401, false},
		{"bad signature", delivery{event: "pull_request", id: "b2", ctype: "application/json", sig: sign256([]byte("other")), body: pr}, 401, false},
		{"sha1 signature in the sha256 header", delivery{event: "pull_request", id: "b3", ctype: "application/json", sig: sign1(pr), body: pr}, 401, false},
		{"signature not hex", delivery{event: "pull_request", id: "b4", ctype: "application/json", sig: "sha256=zz", body: pr}, 401, false},
		{"malformed json", signed("pull_request", "c1", []byte(`{"action":`)), 400, false},
		{"malformed form", delivery{event: "pull_request", id: "c2", ctype: "application/x-www-form-urlencoded", sig: sign256([]byte("payload=%zz")), body: []byte("payload=%zz")}, 400, false},
		{"form without payload", delivery{event: "pull_request", id: "c3", ctype: "application/x-www-form-urlencoded", sig: sign256([]byte("x=1")), body: []byte("x=1")}, 400, false},
		{"other content type", delivery{event: "pull_request", id: "c4", ctype: "text/plain", sig: sign256(pr), body: pr}, 400, false},
		{"no event header", delivery{id: "c5", ctype: "application/json", sig: sign256(pr), body: pr}, 400, false},
		{"no delivery header", delivery{event: "pull_request", ctype: "application/json", sig: sign256(pr), body: pr}, 400, false},
		{"repository name with a path", signed("deployment", "c6", []byte(strings.Replace(deploymentEvent, "octo/demo", "octo/../../user", 1))), 400, false},
		{"GET", delivery{method: http.MethodGet}, 405, false},
		// D5: the text \u0000 in a pull request's body is text, not a NUL.
		{"escaped backslash-u0000 in a PR body", signed("pull_request", "n1", []byte(strings.Replace(mergedPR,
			`"merged":true`, `"merged":true,"body":"see \\u0000 here"`, 1))), 202, true},
		{"NUL in a deployment's ref", signed("deployment", "n2", []byte(strings.Replace(deploymentEvent,
			`"ref":"main"`, `"ref":"ma\u0000in"`, 1))), 400, false},
		{"raw NUL byte in a deployment's description", signed("deployment", "n3", []byte(strings.Replace(deploymentEvent,
			`"description":"hi"`, "\"description\":\"h\x00i\"", 1))), 400, false},
		{"NUL in a merged PR's head ref", signed("pull_request", "n4", []byte(strings.Replace(mergedPR,
			`"ref":"feature"`, `"ref":"fea\u0000ture"`, 1))), 400, false},
		{"a NUL escaped inside the payload stays text", signed("deployment", "n5", []byte(strings.Replace(deploymentEvent,
			`"payload":{"a":1}`, `"payload":{"a":"x\u0000y"}`, 1))), 202, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, rules)
			w := f.do(c.d)
			if w.Code != c.want {
				t.Fatalf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), c.want)
			}
			if got := len(f.jobs) > 0; got != c.job {
				t.Fatalf("job handed on: %v, want %v", got, c.job)
			}
			if c.job {
				if seen, _ := f.j.Seen(c.d.id); !seen {
					t.Fatal("accepted delivery not in the journal")
				}
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	f := newFixture(t, Rules{CreateOnMerge: true})
	big := bytes.Repeat([]byte(" "), MaxBody+1)
	if w := f.do(signed("pull_request", "big", big)); w.Code != 413 {
		t.Fatalf("status %d, want 413", w.Code)
	}
	// Without a Content-Length the limit applies while reading.
	r := httptest.NewRequest(http.MethodPost, "/event_handler", io.MultiReader(bytes.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if w.Code != 413 {
		t.Fatalf("chunked: status %d, want 413", w.Code)
	}
}

func TestDuplicateIsAcknowledgedOnce(t *testing.T) {
	f := newFixture(t, Rules{CreateOnMerge: true})
	for range 3 {
		if w := f.do(signed("pull_request", "same", []byte(mergedPR))); w.Code != 202 {
			t.Fatalf("status %d", w.Code)
		}
	}
	if len(f.jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(f.jobs))
	}
}

func TestBaseRules(t *testing.T) {
	other := strings.Replace(mergedPR, `"base":{"ref":"main"}`, `"base":{"ref":"release/1.2"}`, 1)
	cases := []struct {
		rules Rules
		body  string
		work  bool
	}{
		{Rules{CreateOnMerge: true}, mergedPR, true},
		{Rules{CreateOnMerge: true}, other, false},
		{Rules{CreateOnMerge: true, Base: "release/*"}, other, true},
		{Rules{CreateOnMerge: true, Base: "release/*"}, mergedPR, false},
		{Rules{CreateOnMerge: false}, mergedPR, false},
		{Rules{CreateOnMerge: true}, strings.Replace(mergedPR, `"merged":true`, `"merged":false`, 1), false},
	}
	for i, c := range cases {
		d, err := Classify("pull_request", []byte(c.body), c.rules, nowForTest)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if got := d.Action == Work; got != c.work {
			t.Errorf("%d: work=%v, want %v (%s)", i, got, c.work, d.Message)
		}
	}
}

func TestEnvironmentFilter(t *testing.T) {
	for _, c := range []struct {
		rules Rules
		work  bool
	}{
		{Rules{Exec: true}, true},
		{Rules{Exec: true, EnvironmentFilter: "stag*"}, true},
		{Rules{Exec: true, EnvironmentFilter: "production"}, false},
		{Rules{Exec: false}, false},
	} {
		d, err := Classify("deployment", []byte(deploymentEvent), c.rules, nowForTest)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Action == Work; got != c.work {
			t.Errorf("%+v: work=%v, want %v", c.rules, got, c.work)
		}
		if d.Action == Work {
			dep := d.Job.Deploy
			if dep.ID != 42 || dep.Creator != "mona" || dep.Description != "hi" || string(dep.Payload) != `{"a":1}` {
				t.Errorf("deploy = %+v", dep)
			}
		}
	}
}

// TestRealDeliveries replays every delivery GitHub sent that the project keeps.
func TestRealDeliveries(t *testing.T) {
	want := map[string]int{"ping": 200}
	for _, rd := range githubtest.RealDeliveries(t) {
		name, event, body := rd.Name, rd.Event, rd.Payload
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, Rules{CreateOnMerge: true, Exec: true})
			code := want[event]
			if code == 0 {
				code = 202
			}
			for i, ctype := range []string{"application/json", "application/x-www-form-urlencoded"} {
				b := body
				if i == 1 {
					b = []byte(url.Values{"payload": {string(body)}}.Encode())
				}
				d := delivery{event: event, id: fmt.Sprint(name, i), ctype: ctype, sig: sign256(b), body: b}
				if w := f.do(d); w.Code != code {
					t.Fatalf("%s: status %d (%s), want %d", ctype, w.Code, strings.TrimSpace(w.Body.String()), code)
				}
			}
			wantJobs := 0
			switch name {
			case "pull_request.closed.merged.json", "deployment.created.json":
				wantJobs = 2 // json and form: two deliveries
			}
			if name == "deployment.created.json" {
				wantJobs = 1 // the same deployment twice is run once
			}
			if len(f.jobs) != wantJobs {
				t.Fatalf("%d jobs, want %d", len(f.jobs), wantJobs)
			}
			if name == "pull_request.closed.merged.json" {
				m := f.jobs[0].Merge
				if m.Repo != "github-slack/app" || m.Author != "bkeepers" || m.HeadSHA != "10c57dc4caf9b76a5d43d0064a626e516edd8c3c" {
					t.Fatalf("merge job = %+v", m)
				}
			}
		})
	}
}

// TestPayloadReachesTheCommandAsSent: DEPLOY_PAYLOAD is the payload's JSON
// text as GitHub sent it (escapes kept, so still JSON), {} when there is none.
func TestPayloadReachesTheCommandAsSent(t *testing.T) {
	for payload, want := range map[string]string{
		`{"a": "x\u0000y\u001b[31m", "b": [1, 2]}`: `{"a":"x\u0000y\u001b[31m","b":[1,2]}`,
		`""`:     `{}`,
		`null`:   `{}`,
		`"text"`: `"text"`,
	} {
		f := newFixture(t, Rules{Exec: true})
		body := strings.Replace(deploymentEvent, `"payload":{"a":1}`, `"payload":`+payload, 1)
		if w := f.do(signed("deployment", "p", []byte(body))); w.Code != 202 {
			t.Fatalf("payload %s: status %d %s", payload, w.Code, w.Body)
		}
		if got := string(f.jobs[0].Deploy.Payload); got != want {
			t.Errorf("payload %s: DEPLOY_PAYLOAD %s, want %s", payload, got, want)
		}
	}
}

// TestBoundedParsing (D13): a payload of millions of tiny values is refused
// before it is parsed; an event the listener does not handle is not parsed.
func TestBoundedParsing(t *testing.T) {
	f := newFixture(t, Rules{CreateOnMerge: true, Exec: true})
	values := strings.Replace(mergedPR, `"merged":true`, `"merged":true,"x":[`+strings.Repeat("0,", 2*maxValues)+`0]`, 1)
	if w := f.do(signed("pull_request", "v1", []byte(values))); w.Code != 400 {
		t.Fatalf("many values: status %d, want 400", w.Code)
	}
	// Commas and colons in strings are not values.
	text := strings.Replace(mergedPR, `"merged":true`, `"merged":true,"body":"`+strings.Repeat(",:[{", maxValues)+`"`, 1)
	if w := f.do(signed("pull_request", "v2", []byte(text))); w.Code != 202 {
		t.Fatalf("a long body: status %d %s, want 202", w.Code, w.Body)
	}
	if w := f.do(signed("push", "v3", []byte(values))); w.Code != 202 {
		t.Fatalf("an ignored event: status %d, want 202", w.Code)
	}
	allocs := testing.AllocsPerRun(3, func() {
		_, _ = Classify("push", []byte(values), Rules{}, time.Now())
	})
	if allocs > 5 {
		t.Fatalf("an ignored event allocates %v times: it is parsed", allocs)
	}
}
