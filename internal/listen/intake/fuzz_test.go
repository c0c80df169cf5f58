package intake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

var nowForTest = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FuzzIntake feeds the handler arbitrary deliveries. Unsigned ones must get
// 401; signed ones a 2xx only for valid JSON, otherwise a 4xx; never a panic
// or a 5xx. Seeds are in testdata/fuzz/FuzzIntake and below.
// Run: go test ./internal/listen/intake -run '^$' -fuzz FuzzIntake -fuzztime 60s
func FuzzIntake(f *testing.F) {
	f.Add("pull_request", "application/json", []byte(mergedPR), true)
	f.Add("deployment", "application/json", []byte(deploymentEvent), true)
	f.Add("deployment_status", "application/json", []byte(`{"deployment_status":{"state":"success"},"deployment":{"id":1},"repository":{"full_name":"a/b"}}`), true)
	f.Add("ping", "application/x-www-form-urlencoded", []byte(`payload=%7B%22zen%22%3A%22x%22%7D`), true)
	f.Add("pull_request", "application/json", []byte(`{"action":"closed","pull_request":{"merged":true,"head":{"sha":"$(id)"}}}`), false)
	f.Add("deployment", "application/json; charset=utf-8", []byte(`{"deployment":{"id":-1}}`), true)
	fx := newFixture(f, Rules{CreateOnMerge: true, Exec: true, EnvironmentFilter: "*"})
	f.Fuzz(func(t *testing.T, event, ctype string, body []byte, sign bool) {
		r := httptest.NewRequest(http.MethodPost, "/event_handler", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("X-GitHub-Event", event)
		r.Header.Set("X-GitHub-Delivery", "fuzz")
		if sign {
			r.Header.Set("X-Hub-Signature-256", sign256(body))
		}
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, r)
		switch {
		case w.Code >= 500:
			t.Fatalf("status %d", w.Code)
		case !sign && w.Code != http.StatusUnauthorized:
			t.Fatalf("unsigned delivery answered %d", w.Code)
		case w.Code < 300:
			payload, err := decodeBody(ctype, body)
			if err != nil || !json.Valid(payload) {
				t.Fatalf("answered %d to a body that is not JSON", w.Code)
			}
		}
	})
}
