package listen

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// NewLogger returns the listener's logger: "json" is log/slog's JSON, one
// object a line, for machines; anything else is one short line per event
// for a person ("15:04:05 deployment running repo=octo/demo ...").
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(&lineHandler{w: w, level: level, mu: &sync.Mutex{}})
}

// lineHandler prints "HH:MM:SS [WARN ]message key=value ...".
type lineHandler struct {
	w      io.Writer
	level  slog.Level
	mu     *sync.Mutex
	attrs  []slog.Attr
	prefix string // group prefix
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(t.Format("15:04:05 "))
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("ERROR ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("WARN ")
	case r.Level < slog.LevelInfo:
		b.WriteString("DEBUG ")
	}
	// The message and the values may hold webhook data: a newline would
	// forge a line, an ESC or CR rewrite a terminal. Such text is quoted,
	// its control characters escaped.
	if !printable(r.Message) {
		b.WriteString(strconv.Quote(r.Message))
	} else {
		b.WriteString(r.Message)
	}
	write := func(a slog.Attr) bool {
		a.Value = a.Value.Resolve()
		if a.Equal(slog.Attr{}) {
			return true
		}
		v := a.Value.String()
		if v == "" {
			return true
		}
		if strings.ContainsAny(v, " \"=") || !printable(v) {
			v = strconv.Quote(v)
		}
		b.WriteString(" " + h.prefix + a.Key + "=" + v)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// printable reports text without control or other non-printing characters.
func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *lineHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.prefix = h.prefix + name + "."
	return &c
}
