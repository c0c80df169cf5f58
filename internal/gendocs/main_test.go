package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const regenerate = "completions/ is stale: run `go generate ./internal/gendocs` (or `go run ./internal/gendocs -only completions`) from the repository root and commit the result"

// TestCompletionsUpToDate fails when the committed completion scripts
// differ from what the command tree generates now.
func TestCompletionsUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCompletions(dir); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "completions")
	for shell, name := range Completions {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Errorf("%s completion: %v\n%s", shell, err, regenerate)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s completion completions/%s differs from the generated one\n%s", shell, name, regenerate)
		}
	}
	entries, err := os.ReadDir(committed)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(slices.Collect(maps.Values(Completions)), e.Name()) {
			t.Errorf("completions/%s is not generated any more; remove it", e.Name())
		}
	}
}

// TestManPages checks that every command gets a page, that pages do not
// depend on when they are generated, and that usage lines keep their
// <placeholders>.
func TestManPages(t *testing.T) {
	date := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	a, b := t.TempDir(), t.TempDir()
	if err := WriteMan(a, date, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	if err := WriteMan(b, date, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"deployctl.1", "deployctl-create.1", "deployctl-list.1", "deployctl-get.1",
		"deployctl-status.1", "deployctl-status-set.1", "deployctl-status-list.1", "deployctl-completion.1", "deployctl-version.1"} {
		x, err := os.ReadFile(filepath.Join(a, page))
		if err != nil {
			t.Errorf("missing man page: %v", err)
			continue
		}
		y, _ := os.ReadFile(filepath.Join(b, page))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", page)
		}
		if !strings.Contains(string(x), `.TH "`) || !strings.Contains(string(x), `"Mar 2026" "deployctl 1.2.3" "deployctl manual"`) {
			t.Errorf("%s: unexpected header:\n%s", page, firstLines(string(x), 3))
		}
	}
	set, _ := os.ReadFile(filepath.Join(a, "deployctl-status-set.1"))
	if !strings.Contains(string(set), "deployctl status set [<deployment-id>] <state>") {
		t.Errorf("deployctl-status-set.1 lost its usage placeholders:\n%s", set)
	}
	if strings.Contains(string(set), "Auto generated") {
		t.Errorf("deployctl-status-set.1 carries cobra's dated footer")
	}
}

func TestManDate(t *testing.T) {
	for _, tc := range []struct{ flag, epoch, want string }{
		{"", "", "2025-01-01"},
		{"", "1767225600", "2026-01-01"},
		{"2026-05-06", "1767225600", "2026-05-06"},
		{"2026-05-06T23:00:00-03:00", "", "2026-05-07"},
		{"0001-01-01T00:00:00Z", "", "2025-01-01"},
	} {
		got, err := manDate(tc.flag, tc.epoch)
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("manDate(%q, %q) = %v, %v; want %s", tc.flag, tc.epoch, got, err, tc.want)
		}
	}
	if _, err := manDate("", "soon"); err == nil {
		t.Error("manDate accepted SOURCE_DATE_EPOCH=soon")
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
