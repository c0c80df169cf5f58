package create

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPayloadFromFileAndStdin(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "payload.json")
	if err := os.WriteFile(p, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := readPayload("@"+p, nil)
	if err != nil || string(raw) != `{"from":"file"}` {
		t.Errorf("file: %s %v", raw, err)
	}
	raw, err = readPayload("-", strings.NewReader(` ["stdin"] `))
	if err != nil || string(raw) != `["stdin"]` {
		t.Errorf("stdin: %s %v", raw, err)
	}
	if _, err := readPayload("@"+filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("missing file accepted")
	}
}
