package githubtest

import (
	"strings"
	"testing"
)

func TestInjectedSecondaryLimit(t *testing.T) {
	s := NewT(t)
	s.InjectSecondaryLimit(SecondaryLimit{Method: "POST", PathPrefix: "/repos/octo/demo/deployments", After: 2, Count: 2, RetryAfter: 3})
	for i := range 2 {
		mustStatus(t, call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"}), 201)
		_ = i
	}
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/deployments", nil), 200) // other methods pass
	for range 2 {
		r := call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"})
		mustStatus(t, r, 403)
		if r.header.Get("Retry-After") != "3" || r.header.Get("X-RateLimit-Remaining") == "0" ||
			!strings.Contains(r.json(t)["message"].(string), "secondary rate limit") {
			t.Errorf("answer %d %v %s", r.status, r.header, r.body)
		}
	}
	mustStatus(t, call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"}), 201)
	if n := s.SecondaryLimitHits(); n != 2 {
		t.Errorf("hits = %d", n)
	}
	if n := len(s.Deployments("octo/demo")); n != 3 {
		t.Errorf("%d deployments: a refused request must change nothing", n)
	}
}

func TestContentCreationLimit(t *testing.T) {
	s := NewT(t)
	s.LimitContentCreation(3)
	for range 3 {
		mustStatus(t, call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"}), 201)
	}
	mustStatus(t, call(t, s, "GET", "/repos/octo/demo/deployments", nil), 200)
	r := call(t, s, "POST", "/repos/octo/demo/deployments", map[string]any{"ref": "main"})
	mustStatus(t, r, 403)
	if r.header.Get("Retry-After") != "60" || s.SecondaryLimitHits() != 1 {
		t.Errorf("answer %v, hits %d", r.header, s.SecondaryLimitHits())
	}
}

func TestInjected429(t *testing.T) {
	s := NewT(t)
	s.InjectSecondaryLimit(SecondaryLimit{Method: "DELETE", Status: 429, RetryAfter: 5})
	r := call(t, s, "DELETE", "/repos/octo/demo/deployments/1", nil)
	mustStatus(t, r, 429)
	if r.header.Get("Retry-After") != "5" || !strings.Contains(r.json(t)["message"].(string), "secondary rate limit") {
		t.Errorf("answer %v %s", r.header, r.body)
	}
}
