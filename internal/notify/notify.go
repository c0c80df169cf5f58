// Package notify announces deployments in a team's chat: `listen --notify
// URL` posts Slack-compatible incoming-webhook JSON when a deployment starts
// and when it ends. Slack, Mattermost, Rocket.Chat and Discord's /slack
// endpoint accept the same message: a top-level "text" (what Slack requires,
// in its mrkdwn with <url|label> links) and one legacy attachment with a
// plain "fallback", a colour and short fields.
//
// Posting is off the deployment's path: Notify only queues the message, one
// goroutine per URL posts it in order, retrying a bounded number of times
// (network errors, 5xx, 429 with its Retry-After), then drops it with a log
// line. A full queue drops the message too: a chat that is down never delays
// or fails a deployment. Requests carry no credentials (the GitHub token is
// never sent there), and the URL, a secret of its own, is never logged: only
// its host is.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deployctl/gh-deployctl/internal/deploy"
)

// Phase is the moment a message is about.
type Phase int

const (
	Started Phase = iota
	Finished
)

// Event is one deployment's news.
type Event struct {
	Phase        Phase
	Repo         string // OWNER/REPO
	DeploymentID int64
	Environment  string
	Ref          string
	SHA          string
	Creator      string
	// State is the outcome once Finished: success, failure or error.
	State       string
	Description string
	Duration    time.Duration // once Finished
	// LogURL is the deploy log (listen --log-url-base); EnvironmentURL where
	// the deployment can be seen (the command's environment URL); WebURL the
	// environment's deployments on GitHub. Any may be empty.
	LogURL         string
	EnvironmentURL string
	WebURL         string
}

// Options configure a Notifier. Zero values take the defaults.
type Options struct {
	URLs     []string
	Attempts int           // tries per message and URL (default 5)
	Backoff  time.Duration // wait before the second try, doubled after (default 1 s, at most 30 s)
	Timeout  time.Duration // one request (default 10 s)
	Queue    int           // messages waiting per URL before new ones are dropped (default 256)
	Client   *http.Client  // default: a client of its own, no credentials
	Log      *slog.Logger
}

// Notifier posts messages to every URL.
type Notifier struct {
	o       Options
	targets []*target
	wg      sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	// stop ends retries' waits when Close's context is done.
	stop     chan struct{}
	stopOnce sync.Once
}

type target struct {
	url  string
	host string // what the log says: the URL holds a secret
	q    chan []byte
}

// ValidateURL reports whether raw can be given to --notify.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--notify %q is not an http(s) URL", redact(raw))
	}
	return nil
}

// New starts a Notifier; Close stops it.
func New(o Options) (*Notifier, error) {
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{o: o, stop: make(chan struct{})}
	for _, raw := range o.URLs {
		if err := ValidateURL(raw); err != nil {
			return nil, err
		}
		u, _ := url.Parse(raw)
		t := &target{url: raw, host: u.Host, q: make(chan []byte, o.Queue)}
		n.targets = append(n.targets, t)
		n.wg.Add(1)
		go n.run(t)
	}
	return n, nil
}

// Notify queues the event's message for every URL. It never blocks.
func (n *Notifier) Notify(e Event) {
	if n == nil || len(n.targets) == 0 {
		return
	}
	body, err := Message(e).JSON()
	if err != nil {
		n.o.Log.Error("notify: could not encode the message", "err", err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	for _, t := range n.targets {
		select {
		case t.q <- body:
		default:
			n.o.Log.Warn("notify: queue full, message dropped", "host", t.host, "deployment", e.DeploymentID)
		}
	}
}

// Close stops taking messages and posts those queued until ctx is done;
// what is left then is dropped.
func (n *Notifier) Close(ctx context.Context) {
	if n == nil {
		return
	}
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		for _, t := range n.targets {
			close(t.q)
		}
	}
	n.mu.Unlock()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		n.stopOnce.Do(func() { close(n.stop) })
		<-done
	}
}

func (n *Notifier) run(t *target) {
	defer n.wg.Done()
	for body := range t.q {
		n.deliver(t, body)
	}
}

// deliver posts one message, retrying what may pass later.
func (n *Notifier) deliver(t *target, body []byte) {
	wait := n.o.Backoff
	for attempt := 1; ; attempt++ {
		retry, after, err := n.post(t, body)
		if err == nil {
			return
		}
		if !retry || attempt >= n.o.Attempts {
			n.o.Log.Warn("notify: message not delivered", "host", t.host, "attempts", attempt, "err", err)
			return
		}
		if after > 0 {
			wait = after
		}
		wait = min(wait, 30*time.Second)
		n.o.Log.Info("notify: post failed; retrying", "host", t.host, "attempt", attempt, "in", wait, "err", err)
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-n.stop:
			timer.Stop()
			n.o.Log.Warn("notify: shutting down, message not delivered", "host", t.host, "attempts", attempt)
			return
		}
		wait *= 2
	}
}

// post sends body once: whether a failure is worth retrying, and after how long.
func (n *Notifier) post(t *target, body []byte) (retry bool, after time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), n.o.Timeout)
	defer cancel()
	go func() {
		select {
		case <-n.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "deployctl-notify")
	resp, err := n.o.Client.Do(req)
	if err != nil {
		// The error names the URL; keep only what it says about the failure.
		return true, 0, stripURL(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0, nil
	}
	err = fmt.Errorf("%s answered %s", t.host, resp.Status)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return true, time.Duration(secs) * time.Second, err
	case resp.StatusCode >= 500:
		return true, 0, err
	default:
		return false, 0, err // the receiver refused this message for good (a revoked hook, a bad payload)
	}
}

func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// redact keeps a URL's scheme and host: its path is the hook's secret.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// Payload is the incoming-webhook JSON.
type Payload struct {
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
}

// JSON encodes p as it is posted (no HTML escaping of <, > and &: the text
// is mrkdwn, already escaped where it must be).
func (p Payload) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Attachment is a legacy Slack attachment (Mattermost, Rocket.Chat and
// Discord's /slack endpoint render them too).
type Attachment struct {
	Fallback  string  `json:"fallback"`
	Color     string  `json:"color"`
	Title     string  `json:"title"`
	TitleLink string  `json:"title_link,omitempty"`
	Fields    []Field `json:"fields"`
}

// Field is one short name/value pair of an attachment.
type Field struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

const (
	colorStarted = "#2f81f7"
	colorSuccess = "#2eb886"
	colorFailed  = "#a30200"
)

// Message is the payload for e.
func Message(e Event) Payload {
	sha := deploy.ShortSHA(e.SHA)
	what := fmt.Sprintf("%s %s (%s) to %s", e.Repo, sha, e.Ref, e.Environment)
	var plain, color, title string
	if e.Phase == Started {
		plain = "Deploying " + what
		title, color = "Deployment "+strconv.FormatInt(e.DeploymentID, 10)+" started", colorStarted
	} else {
		plain = fmt.Sprintf("Deployed %s: %s after %s", what, e.State, e.Duration.Round(time.Second))
		title = "Deployment " + strconv.FormatInt(e.DeploymentID, 10) + ": " + e.State
		color = colorFailed
		if e.State == "success" {
			color = colorSuccess
		}
	}
	if e.Creator != "" {
		plain += " by " + e.Creator
	}
	text := escape(plain)
	fields := []Field{
		{Title: "Repository", Value: e.Repo, Short: true},
		{Title: "Environment", Value: e.Environment, Short: true},
		{Title: "Ref", Value: e.Ref, Short: true},
		{Title: "Commit", Value: sha, Short: true},
		{Title: "Creator", Value: e.Creator, Short: true},
	}
	if e.Phase == Finished {
		fields = append(fields,
			Field{Title: "Outcome", Value: e.State, Short: true},
			Field{Title: "Duration", Value: e.Duration.Round(time.Second).String(), Short: true})
		if e.Description != "" {
			fields = append(fields, Field{Title: "Description", Value: e.Description})
		}
	}
	var links []string
	for _, l := range []struct{ label, url string }{
		{"log", e.LogURL}, {"environment", e.EnvironmentURL}, {"deployments", e.WebURL},
	} {
		if l.url != "" {
			links = append(links, "<"+escape(l.url)+"|"+l.label+">")
			fields = append(fields, Field{Title: strings.ToUpper(l.label[:1]) + l.label[1:], Value: l.url})
		}
	}
	if len(links) > 0 {
		text += " · " + strings.Join(links, " · ")
	}
	titleLink := e.EnvironmentURL
	if titleLink == "" {
		titleLink = e.WebURL
	}
	return Payload{
		Text:        text,
		Attachments: []Attachment{{Fallback: plain, Color: color, Title: title, TitleLink: titleLink, Fields: fields}},
	}
}

// escape makes s literal in Slack's mrkdwn: &, < and > are its control
// characters (a < starts a link or a mention).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
