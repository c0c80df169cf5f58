package trigger_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/deployctl/gh-deployctl/cmd/cmdtest"
	"github.com/deployctl/gh-deployctl/cmd/trigger"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

func TestTriggerFlags(t *testing.T) {
	f := cmdtest.Factory(t, nil)
	var got *trigger.TriggerOptions
	err := cmdtest.RunCmd(t, f, "", trigger.NewCmdTrigger(f, func(o *trigger.TriggerOptions) error { got = o; return nil }),
		"trigger deployment --to http://127.0.0.1:4567/event_handler --secret s -R octo/app --ref v1 -e staging")
	if err != nil {
		t.Fatal(err)
	}
	if got.Event != "deployment" || got.To != "http://127.0.0.1:4567/event_handler" || got.Secret != "s" ||
		got.RepoFlag != "octo/app" || got.Ref != "v1" || got.Environment != "staging" {
		t.Errorf("options %+v", got)
	}
	for line, want := range map[string]string{
		"trigger deployment":                      "--to is required",
		"trigger --to http://x":                   "takes 1 argument",
		"trigger push --to http://x":              `unknown event "push"`,
		"trigger ping --to localhost:4567":        "is not an http(s) URL",
		"trigger ping --to http://x -R not/a/b/c": "--repo",
		"trigger ping --to http://x --secret ''":  "must not be empty",
	} {
		f := cmdtest.Factory(t, nil)
		err := cmdtest.RunCmd(t, f, "", trigger.NewCmdTrigger(f, nil), line)
		if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a usage error saying %q", line, err, want)
		}
	}
}

// Without --to, trigger is a usage error as the contract has it: exit 2
// and the help line, with nothing sent.
func TestTriggerWithoutToIsAUsageError(t *testing.T) {
	s := cmdtest.NewSession(t)
	s.Run("trigger ping").WantExit(cmdutil.ExitUsage).
		WantErrContains("--to is required", "deployctl trigger --help' for usage.\n")
}

func TestTriggerSends(t *testing.T) {
	type seen struct {
		event, sig string
		body       []byte
	}
	got := make(chan seen, 4)
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Get("X-GitHub-Event"), r.Header.Get("X-Hub-Signature-256"), body}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "accepted\n")
	}))
	defer srv.Close()

	// Off a terminal: ID, status code and answer, tab-separated; the secret
	// from DEPLOYCTL_WEBHOOK_SECRET.
	f := cmdtest.Factory(t, map[string]string{"DEPLOYCTL_WEBHOOK_SECRET": "from-env"})
	ios, _, out, _ := iostreams.Test()
	f.IOStreams = ios
	if err := cmdtest.RunCmd(t, f, "", trigger.NewCmdTrigger(f, nil), "trigger deployment --to "+srv.URL+" -R octo/app -e staging --ref v2"); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\t202\taccepted\n$`).MatchString(out.String()) {
		t.Errorf("stdout %q", out.String())
	}
	s := <-got
	if err := github.ValidateSignature(s.sig, s.body, []byte("from-env")); err != nil || s.event != "deployment" {
		t.Errorf("event %q signature: %v", s.event, err)
	}
	var p struct {
		Deployment struct{ Environment, Ref string }
		Repository struct {
			FullName string `json:"full_name"`
		}
	}
	if err := json.Unmarshal(s.body, &p); err != nil || p.Deployment.Environment != "staging" || p.Deployment.Ref != "v2" || p.Repository.FullName != "octo/app" {
		t.Errorf("payload %s", s.body)
	}

	// On a terminal, refused: a line saying so, exit 1.
	status = http.StatusUnauthorized
	f = cmdtest.Factory(t, nil)
	ios, _, out, _ = iostreams.Test()
	ios.SetStdoutTTY(true)
	f.IOStreams = ios
	err := cmdtest.RunCmd(t, f, "", trigger.NewCmdTrigger(f, nil), "trigger ping --to "+srv.URL+" --secret wrong -R octo/app")
	if err == nil || !regexp.MustCompile(`refused delivery .*401 Unauthorized`).MatchString(err.Error()) {
		t.Errorf("err = %v", err)
	}
	if !regexp.MustCompile(`^X Sent ping [0-9a-f-]{36} \(octo/app, signed\) to ` + regexp.QuoteMeta(srv.URL) + `: 401 Unauthorized accepted\n$`).MatchString(out.String()) {
		t.Errorf("stdout %q", out.String())
	}
	<-got
}
