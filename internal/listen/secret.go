package listen

import (
	"os"
	"strings"
)

// SecretEnv are the environment variables that may hold the webhook secret
// or say where it is: DEPLOYCTL_WEBHOOK_SECRET, and DEPLOYCTL_SECRET and
// DEPLOYCTL_SECRET_FILE, the --secret and --secret-file flags under the
// DEPLOYCTL_<FLAG> rule.
var SecretEnv = []string{"DEPLOYCTL_WEBHOOK_SECRET", "DEPLOYCTL_SECRET", "DEPLOYCTL_SECRET_FILE"}

// ConcealSecret is called once the secret has been read: it removes
// SecretEnv from the process's environment (what children inherit) and, on
// Linux, makes the process non-dumpable, so that no process of the same
// user (a deploy command included) can read its memory or
// /proc/<pid>/environ, which still shows the environment it started with.
// The command line (/proc/<pid>/cmdline) stays readable by every local
// user: a --secret given there cannot be hidden.
func ConcealSecret() error {
	for _, name := range SecretEnv {
		os.Unsetenv(name)
	}
	return nonDumpable()
}

// childEnviron is the listener's environment for a deploy command: without
// SecretEnv, without any variable whose value is the secret (wherever it
// came from), and without DEPLOY_* (the deployment's own come after).
func childEnviron(secret []byte) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DEPLOY_") || isSecretEnv(name) || (len(secret) > 0 && value == string(secret)) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func isSecretEnv(name string) bool {
	for _, s := range SecretEnv {
		if name == s {
			return true
		}
	}
	return false
}
