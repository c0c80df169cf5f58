package ghapi

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func envMap(m map[string]string) Env {
	return func(k string) string { return m[k] }
}

func TestResolve(t *testing.T) {
	// The process environment must not matter: only getenv counts.
	for _, k := range []string{"GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GH_HOST"} {
		t.Setenv(k, "from-the-process")
	}
	t.Setenv("GH_CONFIG_DIR", writeHosts(t, "github.com", "from-the-process-config"))
	tests := []struct {
		name              string
		host              string
		env               map[string]string
		wantREST, wantGQL string
		wantSource        string
		wantAuthErr       bool
	}{
		{
			name: "github.com", host: "github.com", env: map[string]string{"GH_TOKEN": "t1"},
			wantREST: "https://api.github.com/", wantGQL: "https://api.github.com/graphql", wantSource: "GH_TOKEN",
		},
		{
			name: "GHES with port", host: "ghe.example.com:8443", env: map[string]string{"GH_ENTERPRISE_TOKEN": "t2"},
			wantREST: "https://ghe.example.com:8443/api/v3/", wantGQL: "https://ghe.example.com:8443/api/graphql", wantSource: "GH_ENTERPRISE_TOKEN",
		},
		{
			name: "GHES ignores GH_TOKEN", host: "ghe.example.com", env: map[string]string{"GH_TOKEN": "t1"},
			wantAuthErr: true,
		},
		{
			name: "Actions: GITHUB_API_URL and GITHUB_TOKEN", host: "ghe.example.com",
			env:      map[string]string{"GITHUB_API_URL": "https://ghe.example.com/api/v3", "GITHUB_TOKEN": "t3"},
			wantREST: "https://ghe.example.com/api/v3/", wantGQL: "https://ghe.example.com/api/graphql", wantSource: "GITHUB_TOKEN",
		},
		{
			name: "plain http test server", host: "github.com",
			env:      map[string]string{"GITHUB_API_URL": "http://127.0.0.1:1234", "GH_TOKEN": "t4", "GITHUB_TOKEN": "t5"},
			wantREST: "http://127.0.0.1:1234/", wantGQL: "http://127.0.0.1:1234/graphql", wantSource: "GH_TOKEN",
		},
		{
			name: "GITHUB_GRAPHQL_URL wins", host: "github.com",
			env: map[string]string{"GITHUB_API_URL": "http://127.0.0.1:1234/", "GITHUB_GRAPHQL_URL": "http://127.0.0.1:9/gql",
				"GH_TOKEN": "tok-secret-6"},
			wantREST: "http://127.0.0.1:1234/", wantGQL: "http://127.0.0.1:9/gql", wantSource: "GH_TOKEN",
		},
		{
			name: "no token", host: "github.com", wantAuthErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"GH_CONFIG_DIR": t.TempDir()} // no stored login
			for k, v := range tt.env {
				env[k] = v
			}
			got, err := Resolve(tt.host, envMap(env))
			if tt.wantAuthErr {
				var ae *AuthError
				if !errors.As(err, &ae) || !IsAuth(err) {
					t.Fatalf("err = %v, want *AuthError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.RESTURL.String() != tt.wantREST || got.GraphQLURL.String() != tt.wantGQL || got.TokenSource != tt.wantSource {
				t.Errorf("got REST %s GraphQL %s source %s; want %s %s %s", got.RESTURL, got.GraphQLURL, got.TokenSource,
					tt.wantREST, tt.wantGQL, tt.wantSource)
			}
			if s := got.String() + got.GoString(); strings.Contains(s, got.Token) {
				t.Errorf("String() shows the token: %s", s)
			}
		})
	}
}

// writeHosts is a gh config directory logged in to host with token.
func writeHosts(t *testing.T, host, token string) string {
	t.Helper()
	dir := t.TempDir()
	yml := host + ":\n    oauth_token: " + token + "\n    user: octocat\n"
	if err := os.WriteFile(filepath.Join(dir, "hosts.yml"), []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestResolveReadsGhLoginThroughGetenv: gh's stored login is found in the
// GH_CONFIG_DIR (or XDG_CONFIG_HOME, HOME) that getenv names, and gh's
// keyring through the gh on getenv's GH_PATH or PATH; the process's own
// environment never counts.
func TestResolveReadsGhLoginThroughGetenv(t *testing.T) {
	t.Setenv("GH_TOKEN", "from-the-process")
	t.Setenv("GH_CONFIG_DIR", writeHosts(t, "github.com", "from-the-process-config"))

	got, err := Resolve("github.com", envMap(map[string]string{"GH_CONFIG_DIR": writeHosts(t, "github.com", "stored")}))
	if err != nil || got.Token != "stored" || got.TokenSource != "oauth_token" {
		t.Errorf("GH_CONFIG_DIR: token %q from %q, %v", got.Token, got.TokenSource, err)
	}
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".config"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(writeHosts(t, "ghe.example.com", "ghes-stored"), filepath.Join(home, ".config", "gh")); err != nil {
		t.Fatal(err)
	}
	got, err = Resolve("", envMap(map[string]string{"HOME": home}))
	if err != nil || got.Host != "ghe.example.com" || got.Token != "ghes-stored" {
		t.Errorf("HOME, the only host gh knows: host %q token %q, %v", got.Host, got.Token, err)
	}

	if runtime.GOOS == "windows" {
		return
	}
	bin := t.TempDir()
	gh := filepath.Join(bin, "gh")
	script := "#!/bin/sh\n[ \"$*\" = \"auth token --secure-storage --hostname github.com\" ] && echo from-keyring\n"
	if err := os.WriteFile(gh, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	got, err = Resolve("github.com", envMap(map[string]string{"GH_CONFIG_DIR": empty, "PATH": bin}))
	if err != nil || got.Token != "from-keyring" || got.TokenSource != "gh" {
		t.Errorf("gh on PATH: token %q from %q, %v", got.Token, got.TokenSource, err)
	}
	if _, err := Resolve("github.com", envMap(map[string]string{"GH_CONFIG_DIR": empty})); !IsAuth(err) {
		t.Errorf("no PATH, no gh: err = %v, want an AuthError", err)
	}
}

func TestResolveRejectsBadURL(t *testing.T) {
	_, err := Resolve("github.com", envMap(map[string]string{"GITHUB_API_URL": "ftp://x", "GH_TOKEN": "t"}))
	if err == nil || !strings.Contains(err.Error(), "GITHUB_API_URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginHintFitsHost(t *testing.T) {
	if h := LoginHint("github.com"); !strings.Contains(h, "GH_TOKEN") || !strings.Contains(h, "gh auth login") {
		t.Errorf("github.com hint: %s", h)
	}
	if h := LoginHint("ghe.example.com"); !strings.Contains(h, "GH_ENTERPRISE_TOKEN") || !strings.Contains(h, "--hostname ghe.example.com") {
		t.Errorf("GHES hint: %s", h)
	}
}
