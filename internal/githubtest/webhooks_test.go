package githubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// receiver is a webhook endpoint that checks signatures the way deployctl's listener does (go-github).
type receiver struct {
	mu     sync.Mutex
	got    []received
	secret string
	status int
}

type received struct {
	event, id, hookID, ua, contentType string
	payload                            []byte
	err                                error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	payload, err := github.ValidatePayload(r, []byte(rc.secret))
	rc.mu.Lock()
	rc.got = append(rc.got, received{
		event: github.WebHookType(r), id: github.DeliveryID(r), hookID: r.Header.Get("X-GitHub-Hook-ID"),
		ua: r.UserAgent(), contentType: r.Header.Get("Content-Type"), payload: payload, err: err,
	})
	status := rc.status
	rc.mu.Unlock()
	if status == 0 {
		status = http.StatusAccepted
	}
	w.WriteHeader(status)
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func listen(t *testing.T, secret string) (*receiver, string) {
	rc := &receiver{secret: secret}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func TestWebhookEventsSigned(t *testing.T) {
	for _, ctype := range []string{"json", "form"} {
		t.Run(ctype, func(t *testing.T) {
			s := NewT(t)
			rc, url := listen(t, "s3cret")
			hook := s.Subscribe(url, "s3cret")
			hook.ContentType = ctype

			id := create(t, s, map[string]any{"ref": "main", "environment": "staging"})
			setStatus(t, s, id, map[string]any{"state": "success"})
			ds, err := s.WaitDeliveries(2, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			got := rc.all()
			if len(got) != 2 || got[0].event != "deployment" || got[1].event != "deployment_status" {
				t.Fatalf("received %+v", got)
			}
			for i, g := range got {
				if g.err != nil {
					t.Errorf("%s: signature: %v", g.event, g.err)
				}
				if !strings.HasPrefix(g.ua, "GitHub-Hookshot/") || g.hookID == "" || len(g.id) != 36 || g.id != ds[i].ID {
					t.Errorf("headers: %+v (delivery %s)", g, ds[i].ID)
				}
				if ds[i].StatusCode != http.StatusAccepted || ds[i].Err != nil {
					t.Errorf("delivery %+v", ds[i])
				}
			}
			wantType := map[string]string{"json": "application/json", "form": "application/x-www-form-urlencoded"}[ctype]
			if got[0].contentType != wantType {
				t.Errorf("Content-Type %q", got[0].contentType)
			}
			ev, err := github.ParseWebHook("deployment_status", got[1].payload)
			if err != nil {
				t.Fatal(err)
			}
			st := ev.(*github.DeploymentStatusEvent)
			if st.GetDeploymentStatus().GetState() != "success" ||
				st.GetDeployment().GetID() != id || st.GetRepo().GetFullName() != "octo/demo" || st.GetSender().GetLogin() != "octocat" {
				t.Errorf("deployment_status event = %s", got[1].payload)
			}
			var dep struct {
				Action     string
				Deployment struct {
					ID          int64
					Environment string
					Payload     map[string]any
				}
			}
			if err := json.Unmarshal(got[0].payload, &dep); err != nil || dep.Action != "created" || dep.Deployment.ID != id ||
				dep.Deployment.Environment != "staging" || dep.Deployment.Payload == nil {
				t.Errorf("deployment event = %s (%v)", got[0].payload, err)
			}
		})
	}
}

func TestWebhookBadSecretFailsValidation(t *testing.T) {
	s := NewT(t)
	rc, url := listen(t, "right")
	s.Subscribe(url, "wrong")
	create(t, s, map[string]any{"ref": "main"})
	if _, err := s.WaitDeliveries(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := rc.all(); len(got) != 1 || got[0].err == nil {
		t.Errorf("a wrong secret validated: %+v", got)
	}
}

func TestRedeliverKeepsID(t *testing.T) {
	s := NewT(t)
	rc, url := listen(t, "k")
	s.Subscribe(url, "k")
	rc.status = http.StatusInternalServerError
	s.MergePullRequest("octo/demo", 7, "feature", "4444444444444444444444444444444444444444", "main", "mona")
	ds, err := s.WaitDeliveries(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].StatusCode != 500 || ds[0].Event != "pull_request" {
		t.Fatalf("first delivery %+v", ds[0])
	}
	rc.mu.Lock()
	rc.status = http.StatusOK
	rc.mu.Unlock()
	again, err := s.Redeliver(ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if again.ID != ds[0].ID || !again.Redelivery || again.StatusCode != 200 || len(got) != 2 ||
		got[0].id != got[1].id || string(got[0].payload) != string(got[1].payload) {
		t.Errorf("redelivery %+v, received %+v", again, got)
	}
	ev, err := github.ParseWebHook("pull_request", got[1].payload)
	if err != nil {
		t.Fatal(err)
	}
	pr := ev.(*github.PullRequestEvent)
	if pr.GetAction() != "closed" || !pr.GetPullRequest().GetMerged() || pr.GetPullRequest().GetHead().GetSHA() != "4444444444444444444444444444444444444444" ||
		pr.GetPullRequest().GetBase().GetRef() != "main" || pr.GetPullRequest().GetUser().GetLogin() != "mona" || pr.GetNumber() != 7 {
		t.Errorf("pull_request event %s", got[1].payload)
	}
	if _, err := s.Redeliver("nope"); err == nil {
		t.Error("Redeliver of an unknown ID did not fail")
	}
}

func TestDeliverArbitraryPayloadInOrder(t *testing.T) {
	s := NewT(t)
	if _, err := s.Deliver("ping", []byte(`{}`)); err == nil {
		t.Error("Deliver without hooks did not fail")
	}
	rc, url := listen(t, "k")
	s.Subscribe(url, "k")
	d, err := s.Deliver("ping", []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`))
	if err != nil || d.StatusCode != http.StatusAccepted || d.Event != "ping" {
		t.Fatalf("Deliver = %+v, %v", d, err)
	}
	for i := 0; i < 5; i++ {
		create(t, s, map[string]any{"ref": "main", "description": string(rune('a' + i))})
	}
	if _, err := s.WaitDeliveries(6, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	for i, g := range got[1:] {
		var p struct{ Deployment struct{ Description string } }
		_ = json.Unmarshal(g.payload, &p)
		if p.Deployment.Description != string(rune('a'+i)) {
			t.Errorf("delivery %d is %q: out of order", i, p.Deployment.Description)
		}
	}
}

func TestWebhookUnreachable(t *testing.T) {
	s := NewT(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	url := srv.URL
	srv.Close()
	s.Subscribe(url, "k")
	create(t, s, map[string]any{"ref": "main"})
	ds, err := s.WaitDeliveries(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Err == nil || ds[0].StatusCode != 0 {
		t.Errorf("delivery to a closed port = %+v", ds[0])
	}
}
