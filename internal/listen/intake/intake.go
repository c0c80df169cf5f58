// Package intake is the listener's HTTP front door: it verifies a webhook
// delivery's signature, decodes either body GitHub sends, decides what the
// delivery asks for, records it in the journal and only then acknowledges
// it. It never does the work itself, so GitHub gets its answer in
// milliseconds.
package intake

import (
	"bytes"
	"errors"
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

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
)

// MaxBody is the largest body accepted. GitHub caps payloads at 25 MB.
const MaxBody = 25 << 20

// Journal is where accepted deliveries go before they are acknowledged.
type Journal interface {
	Append(*journal.Delivery) (dup bool, err error)
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
	Accepted func(*journal.Job)
	Log      *slog.Logger
	// Now is the clock (time.Now if nil).
	Now func() time.Time
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
	log := h.Log.With("delivery", delivery, "event", event)

	if r.ContentLength > MaxBody {
		log.Warn("refused delivery: body too large", "bytes", r.ContentLength)
		reply(w, http.StatusRequestEntityTooLarge, "body over 25 MiB")
		return
	}
	buf := getBuffer(r.ContentLength)
	defer putBuffer(buf)
	body, err := readBody(buf, http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			log.Warn("refused delivery: body too large")
			reply(w, http.StatusRequestEntityTooLarge, "body over 25 MiB")
			return
		}
		log.Warn("refused delivery: reading body failed", "err", err)
		reply(w, http.StatusBadRequest, "could not read body")
		return
	}

	if !h.Insecure {
		if err := verify(r.Header.Get(github.SHA256SignatureHeader), body, h.Secret); err != nil {
			log.Warn("refused delivery: "+err.Error(), "remote", r.RemoteAddr)
			reply(w, http.StatusUnauthorized, err.Error())
			return
		}
	}
	if event == "" || !validDeliveryID(delivery) {
		log.Warn("refused delivery: missing X-GitHub-Event or X-GitHub-Delivery")
		reply(w, http.StatusBadRequest, "missing or invalid X-GitHub-Event or X-GitHub-Delivery header")
		return
	}
	payload, err := decodeBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		log.Warn("refused delivery: " + err.Error())
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
		log.Warn("refused delivery: " + err.Error())
		reply(w, http.StatusBadRequest, err.Error())
		return
	}
	switch dec.Action {
	case Ping:
		log.Info("ping received", dec.Attrs...)
		reply(w, http.StatusOK, "pong")
		return
	case Ignore:
		log.Debug(dec.Message, dec.Attrs...)
		reply(w, http.StatusAccepted, "ignored")
		return
	}
	d := &journal.Delivery{ID: delivery, Event: event, ReceivedAt: received, Job: dec.Job}
	dup, err := h.Journal.Append(d)
	if err != nil {
		log.Error("could not journal delivery", "err", err)
		reply(w, http.StatusServiceUnavailable, "could not record the delivery")
		return
	}
	if dup {
		log.Info("duplicate delivery ignored", dec.Attrs...)
		reply(w, http.StatusAccepted, "duplicate")
		return
	}
	reply(w, http.StatusAccepted, "accepted")
	log.Info(dec.Message, dec.Attrs...)
	if d.Job != nil && h.Accepted != nil {
		h.Accepted(d.Job)
	}
}

// bodies are reused read buffers: a 25 KB delivery read with io.ReadAll
// allocates about 60 KB of garbage, most of the intake's allocation. Large
// ones are not kept, so a rare big delivery does not stay in memory.
var bodies sync.Pool

const keepBuffer = 256 << 10

func getBuffer(contentLength int64) *bytes.Buffer {
	b, _ := bodies.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	if contentLength > 0 && contentLength <= MaxBody {
		b.Grow(int(contentLength) + bytes.MinRead)
	}
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= keepBuffer {
		b.Reset()
		bodies.Put(b)
	}
}

func readBody(b *bytes.Buffer, r io.Reader) ([]byte, error) {
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// verify checks X-Hub-Signature-256 only: go-github's ValidatePayload would
// fall back to the SHA-1 header, and skip the check when both the secret and
// the header are empty. The comparison itself is go-github's (constant time).
func verify(sig string, body, secret []byte) error {
	if len(secret) == 0 {
		return errors.New("no webhook secret configured")
	}
	if sig == "" {
		return errors.New("missing X-Hub-Signature-256")
	}
	if !strings.HasPrefix(sig, "sha256=") {
		return errors.New("X-Hub-Signature-256 is not a sha256 signature")
	}
	if err := github.ValidateSignature(sig, body, secret); err != nil {
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
