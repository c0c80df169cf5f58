package listen

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestConcealSecret (D6): after ConcealSecret the process holds none of
// SecretEnv and is not dumpable (no process of the same user may read its
// memory or /proc/<pid>/environ). It runs in a child process: the flag
// cannot be undone.
func TestConcealSecret(t *testing.T) {
	if os.Getenv("DEPLOYCTL_TEST_CONCEAL") == "1" {
		if err := ConcealSecret(); err != nil {
			t.Fatal(err)
		}
		d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range SecretEnv {
			if v, ok := os.LookupEnv(name); ok {
				t.Errorf("%s=%s still set", name, v)
			}
		}
		if d != 0 {
			t.Errorf("dumpable %d", d)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestConcealSecret$", "-test.v")
	cmd.Env = append(os.Environ(), "DEPLOYCTL_TEST_CONCEAL=1", "DEPLOYCTL_WEBHOOK_SECRET=s1", "DEPLOYCTL_SECRET=s2",
		"DEPLOYCTL_SECRET_FILE=/run/s3")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestConcealSecret") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestChildEnviron: the deploy command's environment holds no secret
// variable and no variable whose value is the secret.
func TestChildEnviron(t *testing.T) {
	t.Setenv("DEPLOYCTL_SECRET", "x")
	t.Setenv("SOME_OTHER_NAME", "the-secret")
	t.Setenv("DEPLOY_ID", "stale")
	t.Setenv("KEEP_ME", "1")
	env := strings.Join(childEnviron([]byte("the-secret")), "\n")
	if strings.Contains(env, "DEPLOYCTL_SECRET") || strings.Contains(env, "the-secret") || strings.Contains(env, "DEPLOY_ID") ||
		!strings.Contains(env, "KEEP_ME=1") {
		t.Fatalf("child environment:\n%s", env)
	}
}
