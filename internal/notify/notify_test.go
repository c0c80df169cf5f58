package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var finished = Event{
	Phase: Finished, Repo: "octo/app", DeploymentID: 42, Environment: "production", Ref: "feat/<b>&c",
	SHA: "0123456789abcdef0123456789abcdef01234567", Creator: "octocat", State: "failure",
	Description: "Deploy command exited with status 3 after 1m2s", Duration: 62*time.Second + 300*time.Millisecond,
	LogURL: "https://deploy.example/logs/tok", WebURL: "https://github.com/octo/app/deployments/production",
}

func TestMessage(t *testing.T) {
	compact, err := Message(finished).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "  "); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	want := `{
  "text": "Deployed octo/app 0123456 (feat/&lt;b&gt;&amp;c) to production: failure after 1m2s by octocat · <https://deploy.example/logs/tok|log> · <https://github.com/octo/app/deployments/production|deployments>",
  "attachments": [
    {
      "fallback": "Deployed octo/app 0123456 (feat/<b>&c) to production: failure after 1m2s by octocat",
      "color": "#a30200",
      "title": "Deployment 42: failure",
      "title_link": "https://github.com/octo/app/deployments/production",
      "fields": [
        {
          "title": "Repository",
          "value": "octo/app",
          "short": true
        },
        {
          "title": "Environment",
          "value": "production",
          "short": true
        },
        {
          "title": "Ref",
          "value": "feat/<b>&c",
          "short": true
        },
        {
          "title": "Commit",
          "value": "0123456",
          "short": true
        },
        {
          "title": "Creator",
          "value": "octocat",
          "short": true
        },
        {
          "title": "Outcome",
          "value": "failure",
          "short": true
        },
        {
          "title": "Duration",
          "value": "1m2s",
          "short": true
        },
        {
          "title": "Description",
          "value": "Deploy command exited with status 3 after 1m2s",
          "short": false
        },
        {
          "title": "Log",
          "value": "https://deploy.example/logs/tok",
          "short": false
        },
        {
          "title": "Deployments",
          "value": "https://github.com/octo/app/deployments/production",
          "short": false
        }
      ]
    }
  ]
}`
	if string(got) != want {
		t.Errorf("message:\n%s\nwant:\n%s", got, want)
	}
	start := Message(Event{Phase: Started, Repo: "octo/app", DeploymentID: 7, Environment: "staging", Ref: "main",
		SHA: "abcdef0123", EnvironmentURL: "https://staging.example"})
	if want := "Deploying octo/app abcdef0 (main) to staging · <https://staging.example|environment>"; start.Text != want {
		t.Errorf("start text = %q, want %q", start.Text, want)
	}
	if a := start.Attachments[0]; a.Color != colorStarted || a.Title != "Deployment 7 started" || a.TitleLink != "https://staging.example" {
		t.Errorf("start attachment = %+v", a)
	}
}

// slackLink is <url|label>; outside links no raw <, > or & may appear.
var slackLink = regexp.MustCompile(`<[^<>|]+\|[^<>|]+>`)

// checkSlack checks a payload against what Slack documents for incoming
// webhooks: a non-empty top-level text (required when there are no blocks)
// in mrkdwn, and for each legacy attachment a plain-text fallback (required)
// and a colour that is a hex code or good/warning/danger.
func checkSlack(t *testing.T, body []byte) {
	t.Helper()
	var p map[string]json.RawMessage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	var text string
	if err := json.Unmarshal(p["text"], &text); err != nil || text == "" {
		t.Errorf("no top-level text: %s", body)
	}
	rest := slackLink.ReplaceAllString(text, "")
	if strings.ContainsAny(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(rest, "&amp;", ""), "&lt;", ""), "&gt;", ""), "<>&") {
		t.Errorf("text has unescaped mrkdwn control characters: %q", text)
	}
	var atts []map[string]any
	if err := json.Unmarshal(p["attachments"], &atts); err != nil {
		t.Fatalf("attachments: %v", err)
	}
	for _, a := range atts {
		if fb, _ := a["fallback"].(string); fb == "" {
			t.Errorf("attachment without fallback: %v", a)
		}
		c, _ := a["color"].(string)
		if !regexp.MustCompile(`^(#[0-9a-fA-F]{6}|good|warning|danger)$`).MatchString(c) {
			t.Errorf("attachment colour %q", c)
		}
		for _, f := range a["fields"].([]any) {
			f := f.(map[string]any)
			if _, ok := f["title"].(string); !ok {
				t.Errorf("field without title: %v", f)
			}
			if _, ok := f["value"].(string); !ok {
				t.Errorf("field without value: %v", f)
			}
		}
	}
	for k := range p {
		if k != "text" && k != "attachments" {
			t.Errorf("unexpected top-level key %q", k)
		}
	}
}

// receiver is a chat's incoming webhook that fails its first fail posts.
type receiver struct {
	srv  *httptest.Server
	fail int

	mu    sync.Mutex
	posts int
	auth  []string
	got   chan []byte // each accepted body
}

func newReceiver(t *testing.T, fail int, failStatus int) *receiver {
	r := &receiver{fail: fail, got: make(chan []byte, 16)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.posts++
		n := r.posts
		r.auth = append(r.auth, req.Header.Get("Authorization")+req.Header.Get("Cookie"))
		r.mu.Unlock()
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with Content-Type %q", req.Method, req.Header.Get("Content-Type"))
		}
		if n <= r.fail {
			http.Error(w, "try later", failStatus)
			return
		}
		_, _ = io.WriteString(w, "ok")
		r.got <- body
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.posts
}

func TestRetriedOffThePathUntilTheThirdPostArrives(t *testing.T) {
	r := newReceiver(t, 2, http.StatusBadGateway)
	logs := &syncWriter{w: &bytes.Buffer{}}
	n, err := New(Options{URLs: []string{r.srv.URL + "/hooks/T000/B000/SECRETPATH"}, Backoff: 20 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	n.Notify(finished)
	if d := time.Since(begin); d > 50*time.Millisecond {
		t.Errorf("Notify took %v: it must only queue", d)
	}
	select {
	case body := <-r.got:
		checkSlack(t, body)
		want, _ := Message(finished).JSON()
		if !bytes.Equal(body, want) {
			t.Errorf("third post = %s, want %s", body, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no post arrived after %d tries", r.count())
	}
	n.Close(context.Background())
	if got := r.count(); got != 3 {
		t.Errorf("%d posts, want 3 (two failed, one accepted)", got)
	}
	for _, a := range r.auth {
		if a != "" {
			t.Errorf("a post carried credentials: %q", a)
		}
	}
	if strings.Contains(logs.String(), "SECRETPATH") {
		t.Errorf("the hook's URL path was logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("retries not logged:\n%s", logs.String())
	}
}

func TestBoundedRetriesAndNoRetryOnRefusal(t *testing.T) {
	down := newReceiver(t, 100, http.StatusServiceUnavailable)
	gone := newReceiver(t, 100, http.StatusNotFound)
	n, err := New(Options{URLs: []string{down.srv.URL, gone.srv.URL}, Attempts: 3, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n.Notify(finished)
	n.Close(context.Background())
	if got := down.count(); got != 3 {
		t.Errorf("a 503 receiver got %d tries, want 3", got)
	}
	if got := gone.count(); got != 1 {
		t.Errorf("a 404 receiver got %d tries, want 1 (refused for good)", got)
	}
}

func TestCloseDropsWhatCannotBeDeliveredInTime(t *testing.T) {
	down := newReceiver(t, 100, http.StatusInternalServerError)
	n, err := New(Options{URLs: []string{down.srv.URL}, Attempts: 100, Backoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	n.Notify(finished)
	for down.count() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	n.Close(ctx)
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Close took %v with a retry waiting an hour", d)
	}
	n.Notify(finished) // after Close: ignored, no panic
}

func TestFullQueueDropsInsteadOfBlocking(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	n, err := New(Options{URLs: []string{srv.URL}, Queue: 2, Timeout: 200 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	for range 50 {
		n.Notify(finished)
	}
	if d := time.Since(begin); d > 100*time.Millisecond {
		t.Errorf("50 Notify calls took %v against a stuck receiver", d)
	}
	n.Close(context.Background())
}

func TestValidateURL(t *testing.T) {
	for _, u := range []string{"", "hooks.slack.com/services/x", "ftp://x/y", "https://"} {
		if ValidateURL(u) == nil {
			t.Errorf("ValidateURL(%q) accepted", u)
		}
	}
	err := ValidateURL("hxxps://hooks.example/services/SECRET")
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("ValidateURL error %v (must not show the path)", err)
	}
	if err := ValidateURL("https://hooks.slack.com/services/T/B/X"); err != nil {
		t.Error(err)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(*bytes.Buffer).String()
}
