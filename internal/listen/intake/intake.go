// Package intake is the listener's HTTP front door: it verifies a webhook
// delivery's signature, decodes either body GitHub sends, decides what the
// delivery asks for, records it in the journal and only then acknowledges
// it. It never does the work itself, so GitHub gets its answer in
// milliseconds.
package intake

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/google/go-github/v60/github"

	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// MaxBody is the largest body accepted. GitHub caps payloads at 25 MB.
const MaxBody = 25 << 20

// Journal is where accepted deliveries go before they are acknowledged.
type Journal interface {
	Append(context.Context, *store.Delivery) (dup bool, err error)
}

// Handler serves webhook deliveries.
type Handler struct {
	// Secret verifies X-Hub-Signature-256. Empty only with Insecure.
	Secret []byte
	// Insecure skips verification (--insecure-skip-verify).
	Insecure bool
	Rules    Rules
	Journal  Journal
	// Accepted is told each job after it is journaled (it must not block).
	Accepted func(*store.Job)
	Log      *slog.Logger
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Budget bounds the memory of bodies being read (nil: one of
	// BodyBudget shared by every handler given none).
	Budget *Budget

	// macs are HMAC-SHA256 states keyed with Secret, reused across
	// deliveries (Secret must not change once the handler serves).
	macs sync.Pool
}

// ServeHTTP implements the contract's answers: 202 accepted (also for
// events that are ignored and for duplicates), 200 ping, 400 malformed, 401
// bad or missing signature, 405 not POST, 413 too large, 503 when the
// journal cannot record the delivery (GitHub then shows it as failed and it
// can be redelivered).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	event := r.Header.Get("X-GitHub-Event")
	delivery := r.Header.Get("X-GitHub-Delivery")

	if r.ContentLength > MaxBody {
		h.log(slog.LevelWarn, "refused delivery: body too large", delivery, event, "bytes", r.ContentLength)
		reply(w, http.StatusRequestEntityTooLarge, "body over 25 MiB")
		return
	}
	bg := h.Budget
	if bg == nil {
		bg = defaultBudget
	}
	read, err := bg.readBody(r.Context(), http.MaxBytesReader(w, r.Body, MaxBody), r.ContentLength, MaxBody)
	if err == nil {
		defer read.release()
	}
	if errors.Is(err, errBusy) {
		h.log(slog.LevelWarn, "refused delivery: "+err.Error(), delivery, event)
		reply(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.log(slog.LevelWarn, "refused delivery: body too large", delivery, event)
			reply(w, http.StatusRequestEntityTooLarge, "body over 25 MiB")
			return
		}
		h.log(slog.LevelWarn, "refused delivery: reading body failed", delivery, event, "err", err)
		reply(w, http.StatusBadRequest, "could not read body")
		return
	}

	body := read.b
	if !h.Insecure {
		if err := h.verify(r.Header.Get(github.SHA256SignatureHeader), body); err != nil {
			h.log(slog.LevelWarn, "refused delivery: "+err.Error(), delivery, event, "remote", r.RemoteAddr)
			reply(w, http.StatusUnauthorized, err.Error())
			return
		}
	}
	if event == "" || !validDeliveryID(delivery) {
		h.log(slog.LevelWarn, "refused delivery: missing X-GitHub-Event or X-GitHub-Delivery", delivery, event)
		reply(w, http.StatusBadRequest, "missing or invalid X-GitHub-Event or X-GitHub-Delivery header")
		return
	}
	payload, err := decodeBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		h.log(slog.LevelWarn, "refused delivery: "+err.Error(), delivery, event)
		reply(w, http.StatusBadRequest, err.Error())
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	received := now()
	dec, err := Classify(event, payload, h.Rules, received)
	if err != nil {
		h.log(slog.LevelWarn, "refused delivery: "+err.Error(), delivery, event)
		reply(w, http.StatusBadRequest, err.Error())
		return
	}
	switch dec.Action {
	case Ping:
		h.log(slog.LevelInfo, "ping received", delivery, event, dec.Attrs...)
		reply(w, http.StatusOK, "pong")
		return
	case Ignore:
		h.log(slog.LevelDebug, dec.Message, delivery, event, dec.Attrs...)
		reply(w, http.StatusAccepted, "ignored")
		return
	}
	d := &store.Delivery{ID: delivery, Event: event, ReceivedAt: received, Job: dec.Job}
	dup, err := h.Journal.Append(r.Context(), d)
	if err != nil {
		h.log(slog.LevelError, "could not journal delivery", delivery, event, "err", err)
		reply(w, http.StatusServiceUnavailable, "could not record the delivery")
		return
	}
	if dup {
		h.log(slog.LevelInfo, "duplicate delivery ignored", delivery, event, dec.Attrs...)
		reply(w, http.StatusAccepted, "duplicate")
		return
	}
	reply(w, http.StatusAccepted, "accepted")
	h.log(slog.LevelInfo, dec.Message, delivery, event, dec.Attrs...)
	if d.Job != nil && h.Accepted != nil {
		h.Accepted(d.Job)
	}
}

// log writes one line about a delivery, its ID and event first. The
// attributes are only put together when the level is enabled (a logger
// made With them per request cost more than the line itself).
func (h *Handler) log(level slog.Level, msg, delivery, event string, attrs ...any) {
	ctx := context.Background()
	if !h.Log.Enabled(ctx, level) {
		return
	}
	args := make([]any, 0, 4+len(attrs))
	args = append(args, "delivery", delivery, "event", event)
	h.Log.Log(ctx, level, msg, append(args, attrs...)...)
}

// defaultBudget is the budget of handlers given none.
var defaultBudget = NewBudget(BodyBudget)

// verify checks X-Hub-Signature-256 only: go-github's ValidatePayload would
// fall back to the SHA-1 header, and skip the check when both the secret and
// the header are empty. The HMAC is keyed once and reused (h.macs); the
// comparison is constant time (hmac.Equal).
func (h *Handler) verify(sig string, body []byte) error {
	if len(h.Secret) == 0 {
		return errors.New("no webhook secret configured")
	}
	if sig == "" {
		return errors.New("missing X-Hub-Signature-256")
	}
	hexSum, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return errors.New("X-Hub-Signature-256 is not a sha256 signature")
	}
	var want, got [sha256.Size]byte
	if len(hexSum) != 2*sha256.Size {
		return errors.New("bad signature")
	}
	if _, err := hex.Decode(want[:], []byte(hexSum)); err != nil {
		return errors.New("bad signature")
	}
	m, _ := h.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, h.Secret)
	}
	m.Write(body)
	m.Sum(got[:0])
	m.Reset()
	h.macs.Put(m)
	if !hmac.Equal(want[:], got[:]) {
		return errors.New("bad signature")
	}
	return nil
}

// decodeBody returns the JSON payload of either content type GitHub sends.
func decodeBody(contentType string, body []byte) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, errors.New("missing or invalid Content-Type")
	}
	switch mt {
	case "application/json":
		return body, nil
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errors.New("malformed form body")
		}
		p := form.Get("payload")
		if p == "" {
			return nil, errors.New("form body without payload")
		}
		return []byte(p), nil
	}
	return nil, errors.New("unsupported Content-Type " + mt)
}

// validDeliveryID accepts GitHub's GUIDs and anything like them; the ID is a
// journal key and appears in logs, so control characters are refused.
func validDeliveryID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) || c == ' ' {
			return false
		}
	}
	return true
}

func reply(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}
