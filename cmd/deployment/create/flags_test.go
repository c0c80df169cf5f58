package create

import (
	"context"
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
	raw, err := readPayload(context.Background(), "@"+p, nil, nil)
	if err != nil || string(raw) != `{"from":"file"}` {
		t.Errorf("file: %s %v", raw, err)
	}
	raw, err = readPayload(context.Background(), "-", strings.NewReader(` {"from": "stdin"} `), nil)
	if err != nil || string(raw) != `{"from":"stdin"}` {
		t.Errorf("stdin: %s %v", raw, err)
	}
	raw, err = readPayload(context.Background(), `"a string"`, nil, nil)
	if err != nil || string(raw) != `"a string"` {
		t.Errorf("string: %s %v", raw, err)
	}
	// GitHub takes an object or a string; anything else fails there, late.
	for _, bad := range []string{"42", `["stdin"]`, "null", "true"} {
		if _, err := readPayload(context.Background(), bad, nil, nil); err == nil || !strings.Contains(err.Error(), "must be a JSON object") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
	if _, err := readPayload(context.Background(), "@"+filepath.Join(dir, "missing"), nil, nil); err == nil {
		t.Error("missing file accepted")
	}
}
