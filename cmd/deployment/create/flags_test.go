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
	raw, err = readPayload("-", strings.NewReader(` {"from": "stdin"} `))
	if err != nil || string(raw) != `{"from":"stdin"}` {
		t.Errorf("stdin: %s %v", raw, err)
	}
	raw, err = readPayload(`"a string"`, nil)
	if err != nil || string(raw) != `"a string"` {
		t.Errorf("string: %s %v", raw, err)
	}
	// GitHub takes an object or a string; anything else fails there, late.
	for _, bad := range []string{"42", `["stdin"]`, "null", "true"} {
		if _, err := readPayload(bad, nil); err == nil || !strings.Contains(err.Error(), "must be a JSON object") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
	if _, err := readPayload("@"+filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("missing file accepted")
	}
}
