package listen

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestLogLinesCannotBeForged (D14): webhook text in a message or a value
// stays on its line, its control characters escaped.
func TestLogLinesCannotBeForged(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "text", slog.LevelInfo)
	log.Info("deployment created\n12:00:00 ERROR forged", "state", "success\r\x1b[2Jowned", "env", "prod\nx=1", "ok", "plain")
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.ContainsAny(out, "\r\x1b") {
		t.Fatalf("log line %q holds raw control characters", out)
	}
	for _, want := range []string{`"deployment created\n12:00:00 ERROR forged"`, `state="success\r\x1b[2Jowned"`, `env="prod\nx=1"`, " ok=plain"} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %q lacks %s", out, want)
		}
	}
}
