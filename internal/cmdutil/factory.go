package cmdutil

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/repository"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Factory carries what every command needs and what tests replace: the
// terminal, the environment, the clock and the way to reach GitHub.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
	// LookupEnv tells a variable set but empty from one not set (nil: set
	// means non-empty). A test that replaces Getenv replaces it too
	// (cmdtest.Factory does both).
	LookupEnv func(string) (string, bool)
	// Transport is the innermost HTTP transport (nil: the default).
	Transport http.RoundTripper
	// HTTPTimeout bounds each try of each request (--http-timeout,
	// DEPLOYCTL_HTTP_TIMEOUT; DefaultHTTPTimeout). Zero: no deadline.
	HTTPTimeout time.Duration
	// Retry overrides the retry policy (zero: ghapi.DefaultRetry).
	Retry ghapi.RetryPolicy
	// Now is the clock for relative times.
	Now func() time.Time
	// Version is what --version prints.
	Version BuildInfo
	// Executable is how the user invoked us: "deployctl" or "gh deployctl".
	Executable string
	// CurrentRepo finds the repository of the working directory's git remotes.
	CurrentRepo func() (repository.Repository, error)
}

// NewFactory is the factory of a real process.
func NewFactory(ios *iostreams.IOStreams, version BuildInfo) *Factory {
	f := &Factory{
		IOStreams:   ios,
		Getenv:      os.Getenv,
		Now:         time.Now,
		Version:     version,
		Executable:  ExecutableName(os.Args[0]),
		CurrentRepo: repository.Current,
	}
	// Values always come from Getenv, so a test that replaces only Getenv
	// never sees the process's values; the process says only whether a
	// variable is set but empty.
	f.LookupEnv = func(name string) (string, bool) {
		if v := f.Getenv(name); v != "" {
			return v, true
		}
		v, ok := os.LookupEnv(name)
		return "", ok && v == ""
	}
	return f
}

// Lookup is LookupEnv, or Getenv where a test gave only that.
func (f *Factory) Lookup(name string) (string, bool) {
	if f.LookupEnv != nil {
		return f.LookupEnv(name)
	}
	v := f.Getenv(name)
	return v, v != ""
}

// Client resolves the API and token for host and builds the clients. It
// fails with a *ghapi.AuthError (exit 4) before any request when there is
// no token.
func (f *Factory) Client(host string) (*ghapi.Client, error) {
	t, err := ghapi.Resolve(host, f.Getenv)
	if err != nil {
		return nil, err
	}
	return ghapi.NewClient(t, ghapi.ClientOptions{
		Transport:      f.Transport,
		Getenv:         f.Getenv,
		DebugLog:       f.IOStreams.ErrOut,
		Retry:          f.Retry,
		RequestTimeout: f.HTTPTimeout,
		UserAgent:      "deployctl/" + f.Version.Version,
	})
}

// DefaultHTTPTimeout is the deadline of each request unless --http-timeout
// says otherwise.
const DefaultHTTPTimeout = 60 * time.Second

var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// Repo resolves the repository: --repo, then GH_REPO, then
// GITHUB_REPOSITORY (GitHub Actions), then the git remote of the current
// directory. A malformed value is a usage error.
func (f *Factory) Repo(flag string) (repository.Repository, error) {
	for _, src := range []struct{ name, value string }{
		{"--repo", flag}, {"GH_REPO", f.Getenv("GH_REPO")}, {"GITHUB_REPOSITORY", f.Getenv("GITHUB_REPOSITORY")},
	} {
		if src.value == "" {
			continue
		}
		r, err := parseRepo(src.value, f.Getenv)
		if err != nil {
			return r, Usagef("%s: %v", src.name, err)
		}
		return r, nil
	}
	r, err := f.CurrentRepo()
	if err != nil {
		return r, Usagef("no repository given, and %s; use --repo OWNER/REPO (or set GH_REPO)", whyNoCurrentRepo(err))
	}
	return r, nil
}

// whyNoCurrentRepo says in a few words why the git remotes gave no
// repository, instead of git's raw stderr.
func whyNoCurrentRepo(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not a git repository"):
		return "the current directory is not in a git checkout"
	case strings.Contains(msg, "no git remotes"):
		return "the git checkout here has no remote"
	case strings.Contains(msg, "known GitHub host"):
		return "no git remote here points to a GitHub host (github.com, or GH_HOST)"
	case strings.Contains(msg, "failed to run git"), strings.Contains(msg, "executable file not found"):
		return "git could not be run to read the remotes"
	}
	return "none was found in the current directory's git remotes"
}

func parseRepo(s string, getenv func(string) string) (repository.Repository, error) {
	host := getenv("GH_HOST")
	if host == "" {
		host = "github.com"
	}
	r, err := repository.ParseWithHost(s, host)
	if err != nil {
		return r, err
	}
	if !ownerRE.MatchString(r.Owner) || !nameRE.MatchString(r.Name) || r.Name == "." || r.Name == ".." ||
		strings.ContainsAny(r.Host, "/ \t") {
		return r, fmt.Errorf(`expected the "[HOST/]OWNER/REPO" format, got %q`, s)
	}
	return r, nil
}

// ExecutableName says "gh deployctl" when gh runs us as an extension. gh
// installs an extension as gh-NAME (gh-NAME.exe on Windows) and runs that
// file directly, passing its own environment on unchanged: it sets no
// variable of its own (cli/cli pkg/cmd/extension/manager.go, Dispatch), so
// the binary's name is the signal; nothing in the environment overrides it.
func ExecutableName(arg0 string) string {
	base := arg0
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimSuffix(strings.ToLower(base), ".exe")
	if base == "gh-deployctl" {
		return "gh deployctl"
	}
	return "deployctl"
}
