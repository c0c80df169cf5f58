package ghapi

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/auth"
	"github.com/cli/go-gh/v2/pkg/config"
)

// tokenForHost is go-gh's auth.TokenForHost with every read of the
// environment going through getenv: the token variables, gh's config
// directory (GH_CONFIG_DIR, XDG_CONFIG_HOME, HOME) and the gh found on
// GH_PATH or PATH for the keyring. go-gh reads the process environment
// itself, so a test could not keep the developer's GH_TOKEN or gh login out;
// this way the Factory's Getenv decides everything.
func tokenForHost(host string, getenv Env) (token, source string) {
	host = auth.NormalizeHostname(host)
	names := []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
	if !auth.IsEnterprise(host) {
		names = []string{"GH_TOKEN", "GITHUB_TOKEN"}
	}
	for _, name := range names {
		if v := getenv(name); v != "" {
			return v, name
		}
	}
	if cfg := ghHosts(getenv); cfg != nil {
		if v, err := cfg.Get([]string{host, "oauth_token"}); err == nil && v != "" {
			return v, "oauth_token"
		}
	}
	if gh := findGh(getenv); gh != "" {
		if v := tokenFromGh(gh, host, getenv); v != "" {
			return v, "gh"
		}
	}
	return "", "default"
}

// defaultHost is go-gh's auth.DefaultHost on getenv: GH_HOST, else the only
// host gh is logged in to, else github.com.
func defaultHost(getenv Env) string {
	if h := getenv("GH_HOST"); h != "" {
		return h
	}
	if cfg := ghHosts(getenv); cfg != nil {
		if keys, err := cfg.Keys(nil); err == nil && len(keys) == 1 {
			return keys[0]
		}
	}
	return "github.com"
}

// ghConfigDir is go-gh's config.ConfigDir on getenv.
func ghConfigDir(getenv Env) string {
	switch {
	case getenv("GH_CONFIG_DIR") != "":
		return getenv("GH_CONFIG_DIR")
	case getenv("XDG_CONFIG_HOME") != "":
		return filepath.Join(getenv("XDG_CONFIG_HOME"), "gh")
	case runtime.GOOS == "windows" && getenv("AppData") != "":
		return filepath.Join(getenv("AppData"), "GitHub CLI")
	case getenv("HOME") != "":
		return filepath.Join(getenv("HOME"), ".config", "gh")
	}
	return ""
}

// ghHosts reads gh's hosts.yml (nil when there is none).
func ghHosts(getenv Env) *config.Config {
	dir := ghConfigDir(getenv)
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "hosts.yml"))
	if err != nil {
		return nil
	}
	return config.ReadFromString(string(b))
}

// findGh is the gh on GH_PATH, else on PATH, both as getenv sees them.
func findGh(getenv Env) string {
	if p := getenv("GH_PATH"); p != "" {
		return p
	}
	name := "gh"
	if runtime.GOOS == "windows" {
		name = "gh.exe"
	}
	for _, dir := range filepath.SplitList(getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue // never a gh from the current directory
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && (runtime.GOOS == "windows" || fi.Mode()&0o111 != 0) {
			return p
		}
	}
	return ""
}

// tokenFromGh asks gh for the token it keeps in the system keyring.
func tokenFromGh(gh, host string, getenv Env) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gh, "auth", "token", "--secure-storage", "--hostname", host)
	env := os.Environ()
	for _, k := range []string{"GH_CONFIG_DIR", "XDG_CONFIG_HOME", "HOME", "PATH"} {
		env = append(env, k+"="+getenv(k))
	}
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
