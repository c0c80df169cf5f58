package e2e

import (
	"strings"
	"testing"
)

// GH_DEBUG=api logs every request, as in gh; user.run fails the test if the
// token shows up in it.
func TestDebugLogHidesToken(t *testing.T) {
	u := newUser(t)
	u.env["GH_DEBUG"] = "api"
	r := u.run("", "create", "--ref", "main")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	if !strings.Contains(r.stderr, "POST /repos/octo/demo/deployments") {
		t.Errorf("GH_DEBUG=api logged no request: %q", r.stderr)
	}
}
