package githubtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
)

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (r resp) list(t *testing.T) []map[string]any {
	t.Helper()
	var m []map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON array: %v\n%s", err, r.body)
	}
	return m
}

// call sends a request with DefaultToken; body may be a string (sent as is) or a value (sent as JSON).
func call(t *testing.T, s *Server, method, path string, body any) resp {
	t.Helper()
	return callAs(t, s, DefaultToken, method, s.URL()+path, body)
}

func callAs(t *testing.T, s *Server, token, method, url string, body any) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func mustStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, r.body)
	}
}

// create makes a deployment and returns its id.
func create(t *testing.T, s *Server, body map[string]any) int64 {
	t.Helper()
	r := call(t, s, "POST", "/repos/octo/demo/deployments", body)
	mustStatus(t, r, 201)
	return int64(r.json(t)["id"].(float64))
}

func setStatus(t *testing.T, s *Server, id int64, body map[string]any) map[string]any {
	t.Helper()
	r := call(t, s, "POST", "/repos/octo/demo/deployments/"+itoa(id)+"/statuses", body)
	mustStatus(t, r, 201)
	return r.json(t)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
