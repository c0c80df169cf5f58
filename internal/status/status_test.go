package status

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func TestParseState(t *testing.T) {
	for _, s := range []string{"success", "IN_PROGRESS", " queued "} {
		if _, err := ParseState(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	_, err := ParseState("done")
	if err == nil || !strings.Contains(err.Error(), "error, failure, inactive, in_progress, queued, pending, success") {
		t.Errorf("err = %v", err)
	}
}

func TestFinal(t *testing.T) {
	for s, want := range map[State]bool{Success: true, Failure: true, Error: true, Inactive: true, Queued: false, InProgress: false, Pending: false} {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v", s, !want)
		}
	}
}

func TestCheckDescription(t *testing.T) {
	if err := CheckDescription(strings.Repeat("é", 140)); err != nil {
		t.Errorf("140 characters refused: %v", err)
	}
	if err := CheckDescription(strings.Repeat("a", 141)); err == nil || !strings.Contains(err.Error(), "141") {
		t.Errorf("141 characters: %v", err)
	}
}

func TestReadEvent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ev, err := ReadEvent(write("dep.json", `{"action":"created","deployment":{"id":42,"environment":"staging"},"repository":{"full_name":"octo/demo"}}`))
	if err != nil || ev.DeploymentID != 42 || ev.Repo != "octo/demo" || ev.Environment != "staging" {
		t.Fatalf("ReadEvent = %+v, %v", ev, err)
	}
	if _, err := ReadEvent(write("push.json", `{"ref":"refs/heads/main"}`)); !errors.Is(err, ErrNoDeploymentEvent) {
		t.Errorf("push event: %v", err)
	}
	if _, err := ReadEvent(write("bad.json", `{`)); err == nil {
		t.Error("bad JSON accepted")
	}
	if _, err := ReadEvent(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

// The real deployment delivery, when the shared webhooks are present.
func TestReadEventRealDelivery(t *testing.T) {
	var payload []byte
	for _, d := range githubtest.RealDeliveries(t) {
		if d.Name == "deployment.created.json" {
			payload = d.Payload
		}
	}
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	ev, err := ReadEvent(path)
	if err != nil || ev.DeploymentID == 0 || ev.Repo == "" {
		t.Fatalf("ReadEvent = %+v, %v", ev, err)
	}
}
