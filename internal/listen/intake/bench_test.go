package intake

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// BenchmarkMergedPR is the 202 path of a merged pull request (the 25 KB
// delivery in DEPLOYCTL_TEST_WEBHOOKS_DIR, or the small one here), signed,
// journaled and logged as JSON, from parallel clients:
//
//	go test ./internal/listen/intake -run '^$' -bench MergedPR -benchmem -cpuprofile cpu.out
func BenchmarkMergedPR(b *testing.B) {
	body := []byte(mergedPR)
	if dir := os.Getenv("DEPLOYCTL_TEST_WEBHOOKS_DIR"); dir != "" {
		if p, err := os.ReadFile(filepath.Join(dir, "pull_request.closed.merged.json")); err == nil {
			body = p
		}
	}
	j, err := journal.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	h := &Handler{
		Secret: []byte(secret), Rules: Rules{CreateOnMerge: true}, Journal: j,
		Log:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Accepted: func(*store.Job) {},
	}
	sig := sign256(body)
	var n atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/event_handler", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-GitHub-Event", "pull_request")
			r.Header.Set("X-GitHub-Delivery", "bench-"+strconv.FormatInt(n.Add(1), 10))
			r.Header.Set("X-Hub-Signature-256", sig)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusAccepted {
				b.Fatalf("answer %d: %s", w.Code, w.Body)
			}
		}
	})
}

// TestSHACheckMatchesItsRegexp: isSHA is the regexp it replaced.
func TestSHACheckMatchesItsRegexp(t *testing.T) {
	shaRE := regexp.MustCompile(`^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$`)
	for _, s := range []string{
		strings.Repeat("a", 40), strings.Repeat("F", 64), strings.Repeat("0", 39), strings.Repeat("0", 41),
		strings.Repeat("0", 63), strings.Repeat("g", 40), "", strings.Repeat("0", 39) + "\n",
	} {
		if got, want := isSHA(s), shaRE.MatchString(s); got != want {
			t.Errorf("isSHA(%q) = %v, regexp says %v", s, got, want)
		}
	}
}
