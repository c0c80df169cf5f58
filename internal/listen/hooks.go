package listen

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// Hooks are told what the listener does, for notifications (--notify) and
// metrics (--metrics-addr). Any may be nil; each must return at once (the
// listener calls them on its own paths, holding locks).
type Hooks struct {
	// Delivery is a delivery's event and result: accepted, duplicate,
	// ignored, ping, rejected (4xx) or error (5xx).
	Delivery func(event, result string)
	// DeployStarted is a deployment whose command starts.
	DeployStarted func(DeployEvent)
	// DeployFinished is a deployment whose final state is decided (also one
	// that never ran: shut down before its turn, or interrupted).
	DeployFinished func(DeployEvent)
	// QueueDepth is how many deployments wait or run in this listener, told
	// whenever it changes.
	QueueDepth func(n int)
}

// DeployEvent is a deployment as the hooks see it.
type DeployEvent struct {
	Repo        string
	ID          int64
	Environment string
	Ref         string
	SHA         string
	Creator     string
	// State and Description are the outcome, once finished; Duration how
	// long the command ran (0 when it did not).
	State       string
	Description string
	Duration    time.Duration
	LogURL      string
	// EnvironmentURL is what the command reported; WebURL the environment's
	// deployments on GitHub.
	EnvironmentURL string
	WebURL         string
}

func (w *workers) deployEvent(j *store.Job) DeployEvent {
	d, p := j.Deploy, &j.Progress
	e := DeployEvent{
		Repo: d.Repo, ID: d.ID, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, Creator: d.Creator,
		State: string(p.Final), Description: p.FinalDesc, LogURL: w.logURL(j), EnvironmentURL: p.EnvURL,
	}
	if !p.StartedAt.IsZero() && !p.FinishedAt.IsZero() {
		e.Duration = p.FinishedAt.Sub(p.StartedAt)
	}
	if r := w.repo(d.Repo); r.Host != "" {
		host := strings.TrimPrefix(r.Host, "api.")
		e.WebURL = "https://" + host + "/" + d.Repo + "/deployments/" + url.PathEscape(d.Environment)
	}
	return e
}

func (w *workers) hookStarted(j *store.Job) {
	if f := w.o.Hooks.DeployStarted; f != nil {
		f(w.deployEvent(j))
	}
}

func (w *workers) hookFinished(j *store.Job) {
	if f := w.o.Hooks.DeployFinished; f != nil {
		f(w.deployEvent(j))
	}
}

// hookDepthLocked tells the queue depth; the caller holds w.mu.
func (w *workers) hookDepthLocked() {
	if f := w.o.Hooks.QueueDepth; f != nil {
		f(len(w.waiting) + w.running)
	}
}

// observe tells Hooks.Delivery each delivery's result, read from the
// intake's answer (its status code and reply word), so the intake itself
// needs no hook.
func (h Hooks) observe(next http.Handler) http.Handler {
	if h.Delivery == nil {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := &replyRecorder{ResponseWriter: rw}
		next.ServeHTTP(rec, r)
		event := r.Header.Get("X-GitHub-Event")
		if event == "" || len(event) > 64 {
			event = "unknown"
		}
		h.Delivery(event, rec.result())
	})
}

type replyRecorder struct {
	http.ResponseWriter
	code int
	word []byte
}

func (r *replyRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *replyRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if len(r.word) < 16 {
		r.word = append(r.word, b[:min(len(b), 16-len(r.word))]...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *replyRecorder) result() string {
	switch {
	case r.code == http.StatusOK:
		return "ping"
	case r.code == http.StatusAccepted:
		w := strings.TrimSpace(string(r.word))
		if w == "duplicate" || w == "ignored" {
			return w
		}
		return "accepted"
	case r.code >= 500:
		return "error"
	default:
		return "rejected"
	}
}
