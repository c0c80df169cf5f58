package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// real maps each event to GitHub's real delivery of it in DEPLOYCTL_TEST_WEBHOOKS_DIR.
var real = map[string]string{
	"ping":              "ping.json",
	"pull_request":      "pull_request.closed.merged.json",
	"deployment":        "deployment.created.json",
	"deployment_status": "deployment_status.created.json",
}

// shapeDiff lists the keys of want (a real delivery) that got lacks or
// holds as another JSON kind (null matches any kind, both ways).
func shapeDiff(path string, got, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if got == nil {
				return nil
			}
			return []string{path + ": not an object"}
		}
		var out []string
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				out = append(out, path+"."+k+": missing")
				continue
			}
			out = append(out, shapeDiff(path+"."+k, gv, wv)...)
		}
		return out
	case nil:
		return nil
	default:
		if got == nil {
			return nil
		}
		if kind(got) != kind(want) {
			return []string{path + ": " + kind(got) + ", GitHub sends " + kind(want)}
		}
		return nil
	}
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	default:
		return "object"
	}
}

func TestPayloadsHaveGitHubsShapes(t *testing.T) {
	dir := os.Getenv("DEPLOYCTL_TEST_WEBHOOKS_DIR")
	if dir == "" {
		t.Skip("skipping: DEPLOYCTL_TEST_WEBHOOKS_DIR (GitHub's real deliveries) is not set")
	}
	for _, event := range Events {
		t.Run(event, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, real[event]))
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			// Parts of the old (2017) merged PR or the example's organization
			// and installation, which a repository hook without an app does
			// not carry.
			delete(want, "installation")
			delete(want, "organization")
			body, err := Build(event, Params{Repo: "octo/app"})
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			diff := shapeDiff(event, got, want)
			sort.Strings(diff)
			for _, d := range diff {
				t.Error(d)
			}
		})
	}
}

func TestBuildWhatTheListenerReads(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p := Params{Repo: "octo/app", Ref: "feature-x", SHA: strings.Repeat("ab", 20), Environment: "staging",
		Sender: "hubot", Number: 12, DeploymentID: 99, State: "failure", Now: now}
	for _, event := range Events {
		body, err := Build(event, p)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := github.ParseWebHook(event, body)
		if err != nil {
			t.Fatalf("%s: %v", event, err)
		}
		switch e := ev.(type) {
		case *github.PingEvent:
			if e.GetHookID() == 0 || e.GetZen() == "" {
				t.Errorf("ping: %s", body)
			}
		case *github.PullRequestEvent:
			pr := e.GetPullRequest()
			if e.GetAction() != "closed" || !pr.GetMerged() || pr.GetNumber() != 12 || pr.GetHead().GetSHA() != p.SHA ||
				pr.GetHead().GetRef() != "feature-x" || pr.GetBase().GetRef() != "main" || pr.GetMergedBy().GetLogin() != "hubot" ||
				e.GetRepo().GetFullName() != "octo/app" || e.GetRepo().GetDefaultBranch() != "main" {
				t.Errorf("pull_request: %s", body)
			}
		case *github.DeploymentEvent:
			d := e.GetDeployment()
			if d.GetID() != 99 || d.GetEnvironment() != "staging" || d.GetRef() != "feature-x" || d.GetSHA() != p.SHA ||
				d.GetCreator().GetLogin() != "hubot" || !d.GetCreatedAt().Time.Equal(now) {
				t.Errorf("deployment: %s", body)
			}
		case *github.DeploymentStatusEvent:
			if e.GetDeploymentStatus().GetState() != "failure" || e.GetDeployment().GetID() != 99 {
				t.Errorf("deployment_status: %s", body)
			}
		default:
			t.Errorf("%s parsed as %T", event, ev)
		}
	}
	if _, err := Build("push", p); err == nil || !strings.Contains(err.Error(), "ping, pull_request, deployment, deployment_status") {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := Build("ping", Params{Repo: "no-slash"}); err == nil {
		t.Error("a repository without an owner was accepted")
	}
}

func TestSendSignsAsGitHub(t *testing.T) {
	type seen struct {
		header http.Header
		body   []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), body}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "queued\n")
	}))
	defer srv.Close()
	body, _ := Build("deployment", Params{})
	resp, err := Send(context.Background(), nil, Delivery{URL: srv.URL, Event: "deployment", Payload: body, Secret: "s3cret", HookID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 202 || string(resp.Body) != "queued\n" || len(resp.DeliveryID) != 36 {
		t.Errorf("response %+v", resp)
	}
	s := <-got
	if err := github.ValidateSignature(s.header.Get("X-Hub-Signature-256"), s.body, []byte("s3cret")); err != nil {
		t.Errorf("X-Hub-Signature-256: %v", err)
	}
	if err := github.ValidateSignature(s.header.Get("X-Hub-Signature"), s.body, []byte("s3cret")); err != nil {
		t.Errorf("X-Hub-Signature: %v", err)
	}
	for k, want := range map[string]string{"X-GitHub-Event": "deployment", "X-GitHub-Delivery": resp.DeliveryID,
		"X-GitHub-Hook-ID": "7", "Content-Type": "application/json"} {
		if s.header.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, s.header.Get(k), want)
		}
	}
	if !strings.HasPrefix(s.header.Get("User-Agent"), "GitHub-Hookshot/") {
		t.Errorf("User-Agent %q", s.header.Get("User-Agent"))
	}

	// Without a secret: no signature headers.
	if _, err := Send(context.Background(), nil, Delivery{URL: srv.URL, Event: "ping", Payload: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.header.Get("X-Hub-Signature-256") != "" || s.header.Get("X-Hub-Signature") != "" {
		t.Errorf("unsigned delivery carried a signature: %v", s.header)
	}
}
