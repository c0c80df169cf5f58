package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

func TestRepoResolution(t *testing.T) {
	tests := []struct {
		flag    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{flag: "octo/demo", want: "github.com/octo/demo"},
		{flag: "ghe.example.com:8443/octo/demo", want: "ghe.example.com:8443/octo/demo"},
		{env: map[string]string{"GH_REPO": "a/b", "GITHUB_REPOSITORY": "c/d"}, want: "github.com/a/b"},
		{env: map[string]string{"GITHUB_REPOSITORY": "c/d", "GH_HOST": "ghe.io"}, want: "ghe.io/c/d"},
		{flag: "octo", wantErr: "[HOST/]OWNER/REPO"},
		{flag: "a/b/c/d", wantErr: "[HOST/]OWNER/REPO"},
		{flag: "a b/c", wantErr: "[HOST/]OWNER/REPO"},
		{wantErr: "use --repo"},
	}
	for _, tt := range tests {
		t.Run(tt.flag+tt.want, func(t *testing.T) {
			r, err := testFactory(t, tt.env).Repo(tt.flag)
			if tt.wantErr != "" {
				wantUsageError(t, err, tt.wantErr)
				return
			}
			if got := r.Host + "/" + r.Owner + "/" + r.Name; err != nil || got != tt.want {
				t.Errorf("got %s, %v", got, err)
			}
		})
	}
}

func TestExecutableName(t *testing.T) {
	for arg0, want := range map[string]string{
		"deployctl":                "deployctl",
		"/usr/local/bin/deployctl": "deployctl",
		"./gh-deployctl":           "gh deployctl",
		"/home/u/.local/share/gh/extensions/gh-deployctl/gh-deployctl":                 "gh deployctl",
		`C:\Users\u\AppData\Local\GitHub CLI\extensions\gh-deployctl\gh-deployctl.exe`: "gh deployctl",
		`C:\tools\deployctl.exe`:    "deployctl",
		"deployctl.test":            "deployctl",
		"/tmp/go-build123/exe/main": "deployctl",
	} {
		if got := ExecutableName(arg0); got != want {
			t.Errorf("ExecutableName(%q) = %q, want %q", arg0, got, want)
		}
	}
}

// testFactory is a Factory whose environment is env.
func testFactory(t *testing.T, env map[string]string) *Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	return &Factory{
		IOStreams: ios,
		Getenv:    func(k string) string { return env[k] },
		CurrentRepo: func() (repository.Repository, error) {
			return repository.Repository{}, errors.New("not a git repository")
		},
	}
}

// wantUsageError fails t unless err is a usage error (exit 2) that says want.
func wantUsageError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want a usage error saying %q", err, want)
	}
}

// TestRepoOutsideAGitCheckout: the reason is said in words, never git's
// raw stderr.
func TestRepoOutsideAGitCheckout(t *testing.T) {
	f := testFactory(t, nil)
	f.CurrentRepo = func() (repository.Repository, error) {
		return repository.Repository{}, errors.New("failed to run git: fatal: not a git repository (or any of the parent directories): .git\n. error: exit status 128")
	}
	_, err := f.Repo("")
	wantUsageError(t, err, "no repository given, and the current directory is not in a git checkout; use --repo OWNER/REPO (or set GH_REPO)")
	if strings.Contains(err.Error(), "fatal") || strings.Contains(err.Error(), "exit status") {
		t.Errorf("git's stderr shown: %v", err)
	}
}
