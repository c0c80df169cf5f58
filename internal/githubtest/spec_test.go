package githubtest

import (
	"net/http"
	"strings"
	"testing"
)

func specDir(t *testing.T) string {
	t.Helper()
	dir := TestDir(EnvAPIDir)
	if dir == "" {
		t.Skip(EnvAPIDir + " not set: skipping checks against GitHub's API description")
	}
	return dir
}

// Every operation of the description, through the fake, with NewT failing the test on any violation.
func TestEveryOperationMatchesSpec(t *testing.T) {
	specDir(t)
	s := NewT(t)
	id := create(t, s, map[string]any{"ref": "main", "environment": "staging", "payload": "not json", "description": nil})
	st := setStatus(t, s, id, map[string]any{"state": "success", "log_url": "https://ci.example/1", "environment_url": "https://staging.example"})
	sid := int64(st["id"].(float64))
	dep := "/repos/octo/demo/deployments/" + itoa(id)
	for _, p := range []string{"", "/api/v3"} {
		for _, path := range []string{
			"/rate_limit", "/repos/octo/demo", "/repos/octo/demo/deployments?environment=staging&per_page=1",
			dep, dep + "/statuses", dep + "/statuses/" + itoa(sid),
			"/repos/octo/demo/environments?per_page=1", "/repos/octo/demo/environments/staging",
		} {
			mustStatus(t, call(t, s, "GET", p+path, nil), 200)
		}
	}
	create(t, s, map[string]any{"ref": "main", "environment": "staging"})
	setStatus(t, s, id, map[string]any{"state": "inactive"})
	mustStatus(t, call(t, s, "DELETE", dep, nil), 204)
	if v := s.SpecViolations(); len(v) != 0 {
		t.Errorf("violations: %q", v)
	}
}

func TestSpecCheckReportsViolations(t *testing.T) {
	sp, err := loadSpec(specDir(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{header: http.Header{"Content-Type": {"application/json"}}, status: 200}
	rec.body.WriteString(`{"id":"seven"}`)
	v := sp.check("GET", "/repos/octo/demo/deployments/7", "", http.Header{}, nil, rec)
	if len(v) != 1 || !strings.HasPrefix(v[0], "response 200: ") {
		t.Errorf("violations for a bad deployment: %q", v)
	}
	rec = &recorder{header: http.Header{"Content-Type": {"application/json"}}, status: 422}
	rec.body.WriteString(`{"message":"Validation Failed","documentation_url":"x"}`)
	h := http.Header{"Content-Type": {"application/json"}}
	if v := sp.check("POST", "/repos/octo/demo/deployments", "", h, []byte(`{"task":1}`), rec); len(v) != 0 {
		t.Errorf("a rejected invalid request is GitHub's own behaviour, got %q", v)
	}
	rec.status = 201
	rec.body.Reset()
	rec.body.WriteString(`{}`)
	if v := sp.check("POST", "/repos/octo/demo/deployments", "", h, []byte(`{"task":1}`), rec); len(v) != 2 ||
		!strings.HasPrefix(v[0], "request accepted but invalid") {
		t.Errorf("an accepted invalid request: %q", v)
	}
	if v := sp.check("GET", "/nowhere", "", h, nil, rec); len(v) != 0 {
		t.Errorf("a path outside the description: %q", v)
	}
}

func TestGraphQLQueriesAreValidated(t *testing.T) {
	dir := specDir(t)
	schema, err := LoadGraphQLSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateQuery(schema, listQuery); err != nil {
		t.Errorf("list query: %v", err)
	}
	bad := `{ repository(owner:"o", name:"n") { deployments(first: 1) { nodes { nope } } } }`
	if err := ValidateQuery(schema, bad); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown field: %v", err)
	}

	s := New(Options{SpecDir: dir})
	defer s.Close()
	call(t, s, "POST", "/graphql", map[string]any{"query": bad})
	call(t, s, "POST", "/graphql", map[string]any{"query": listQuery, "variables": map[string]any{"owner": "o", "name": "n", "first": "ten", "dir": "DESC"}})
	if v := s.SpecViolations(); len(v) != 2 || !strings.Contains(v[0], "POST /graphql: query does not match") ||
		!strings.Contains(v[1], "variables do not match") {
		t.Errorf("violations: %q", v)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := newServer(Options{SpecDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), OpenAPIFile) {
		t.Errorf("empty SpecDir: %v", err)
	}
	if _, err := LoadGraphQLSchema(t.TempDir()); err == nil {
		t.Error("LoadGraphQLSchema of an empty folder did not fail")
	}
}
