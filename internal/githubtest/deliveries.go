package githubtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvWebhooksDir names the folder of real webhook deliveries GitHub sent
// (one JSON payload per file, named EVENT[.ACTION...].json).
const EnvWebhooksDir = "DEPLOYCTL_TEST_WEBHOOKS_DIR"

// RealDelivery is one delivery from that folder.
type RealDelivery struct {
	Name    string // file name, e.g. pull_request.closed.merged.json
	Event   string // X-GitHub-Event, e.g. pull_request
	Payload []byte
}

// RealDeliveries reads every delivery in $DEPLOYCTL_TEST_WEBHOOKS_DIR. It
// skips tb with a message when the variable is unset (a user's clone has no
// shared folder) and fails it when the folder holds none.
func RealDeliveries(tb testing.TB) []RealDelivery {
	tb.Helper()
	dir := TestDir(EnvWebhooksDir)
	if dir == "" {
		tb.Skip(EnvWebhooksDir + " is not set: skipping the replay of GitHub's real webhook deliveries")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no *.json deliveries in %s (%v)", dir, err)
	}
	out := make([]RealDelivery, 0, len(files))
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		name := filepath.Base(f)
		event, _, _ := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
		out = append(out, RealDelivery{Name: name, Event: event, Payload: body})
	}
	return out
}
