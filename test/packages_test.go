package test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkDeb installs the release's .deb with dpkg into a throwaway root (as
// dpkg --root does for a chroot being built; the maintainer scripts run
// without chroot and, seeing DPKG_ROOT, leave the host's users alone), checks
// what it installed, runs the binary, and has systemd-analyze verify the
// service unit where systemd is installed.
func checkDeb(t *testing.T, env []string, deb, version string) {
	t.Helper()
	dpkg := requireTool(t, "dpkg", "a Debian system")
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--root=" + root, "--force-script-chrootless", "--log=/dev/null", "-i", deb}
	if os.Geteuid() != 0 {
		args = append([]string{"--force-not-root"}, args...)
	}
	run(t, root, env, dpkg, args...)

	for _, f := range []string{
		"usr/bin/deployctl",
		"usr/share/man/man1/deployctl.1", "usr/share/man/man1/deployctl-listen.1", "usr/share/man/man1/deployctl-trigger.1",
		"usr/share/bash-completion/completions/deployctl", "usr/share/zsh/vendor-completions/_deployctl",
		"usr/share/fish/vendor_completions.d/deployctl.fish",
		"usr/lib/systemd/system/deployctl-listen.service", "usr/lib/sysusers.d/deployctl.conf", "etc/deployctl/listen.env",
	} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("the .deb did not install /%s: %v", f, err)
		}
	}
	if out, _ := run(t, root, env, filepath.Join(root, "usr/bin/deployctl"), "--version"); !strings.HasPrefix(out, version) {
		t.Errorf("installed binary: --version = %q, want %q...", out, version)
	}

	// The settings file holds secrets: root's only, a config file dpkg keeps
	// on upgrade, and nothing set in it (an empty value is an error).
	envFile := filepath.Join(root, "etc/deployctl/listen.env")
	if info, err := os.Stat(envFile); err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("/etc/deployctl/listen.env has mode %v, want 0600", info.Mode().Perm())
	}
	conffiles, _ := os.ReadFile(filepath.Join(root, "var/lib/dpkg/info/deployctl.conffiles"))
	if !strings.Contains(string(conffiles), "/etc/deployctl/listen.env") {
		t.Errorf("listen.env is not a conffile: %q", conffiles)
	}
	f, err := os.Open(envFile)
	if err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				t.Errorf("listen.env sets %q: the example must leave every setting commented out", line)
			}
		}
		f.Close()
	}

	unit, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/system/deployctl-listen.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"User=deployctl", "EnvironmentFile=/etc/deployctl/listen.env", "StateDirectory=deployctl",
		"ExecStart=/usr/bin/deployctl listen --state-dir /var/lib/deployctl", "KillMode=mixed",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
	} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("deployctl-listen.service lacks %q", want)
		}
	}
	sysusers, _ := os.ReadFile(filepath.Join(root, "usr/lib/sysusers.d/deployctl.conf"))
	if !strings.Contains(string(sysusers), "u deployctl - ") {
		t.Errorf("sysusers.d entry %q", sysusers)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit is not verified")
		return
	}
	// verify checks that ExecStart's program exists and that man pages it
	// documents open: point both into the throwaway root.
	dir := t.TempDir()
	local := strings.ReplaceAll(string(unit), "/usr/bin/deployctl", filepath.Join(root, "usr/bin/deployctl"))
	if err := os.WriteFile(filepath.Join(dir, "deployctl-listen.service"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, "deployctl-listen.service"))
	cmd.Env = append(env, "MANPATH="+filepath.Join(root, "usr/share/man"), "SYSTEMD_LOG_LEVEL=notice")
	out, err := cmd.CombinedOutput()
	// verify exits 0 on unknown keys and bad values (it ignores them): any
	// word from it is a failure.
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify deployctl-listen.service: %v\n%s", err, out)
	}
}
