package prune

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

// The benchmarks of issue 9's cleanup: `prune --delete --keep 1` of deployments in 5 environments as GitHub
// leaves them (each environment's newest success active, the rest inactive or failed), against the fake
// GitHub with 50 ms of latency on every request.
//
//	go test ./internal/prune -run '^$' -bench . -benchtime 1x
//
// BenchmarkPruneUnpaced (--rate 0) and BenchmarkNaiveLoop (REST list 30 a page, then an inactive status
// and a DELETE for each deployment to remove) report requests and wall time; BenchmarkPruneDefaultPace
// runs the default pace (one write a second) under GitHub's content-creation limit (80 a minute, enforced
// by the fake) and reports the pacing bound next to the wall time.

const benchLatency = 50 * time.Millisecond

func benchFake(b *testing.B, n int) *githubtest.Server {
	gh := githubtest.New(githubtest.Options{Latency: benchLatency})
	b.Cleanup(gh.Close)
	gh.SeedHistory("octo/demo", n, envs...)
	return gh
}

func count(gh *githubtest.Server) (reads, writes int) {
	for _, r := range gh.Requests() {
		if r.Method == http.MethodGet || r.Path == "/graphql" {
			reads++
		} else {
			writes++
		}
	}
	return reads, writes
}

func report(b *testing.B, gh *githubtest.Server, start time.Time, left int) {
	reads, writes := count(gh)
	b.ReportMetric(float64(reads), "reads")
	b.ReportMetric(float64(writes), "writes")
	b.ReportMetric(time.Since(start).Seconds(), "wall-s")
	b.ReportMetric(float64(left), "left")
	b.ReportMetric(float64(gh.SecondaryLimitHits()), "limit-hits")
}

func benchPrune(b *testing.B, n, perMinute int) {
	for range b.N {
		b.StopTimer()
		gh := benchFake(b, n)
		if perMinute > 0 {
			gh.LimitContentCreation(80)
		}
		c := ghapitest.Client(b, gh, "")
		gh.ResetRequests()
		b.StartTimer()
		start := time.Now()
		deps, err := Read(context.Background(), c, demo, "")
		if err != nil {
			b.Fatal(err)
		}
		plan := NewPlan(deps, Options{Keep: 1, Delete: true})
		e := &Executor{Client: c, Repo: demo, PerMinute: perMinute}
		if _, err := e.Run(context.Background(), plan); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		report(b, gh, start, len(gh.Deployments("octo/demo")))
		if perMinute > 0 {
			bound := time.Duration(plan.Writes()-1) * time.Minute / time.Duration(perMinute)
			b.ReportMetric(bound.Seconds(), "pacing-bound-s")
		}
	}
}

func BenchmarkPruneUnpaced(b *testing.B) { benchPrune(b, 1000, 0) }

// The default pace over 100 deployments (95 to delete): about 95 s.
func BenchmarkPruneDefaultPace(b *testing.B) { benchPrune(b, 100, DefaultPerMinute) }

// BenchmarkNaiveLoop is what cleanup Actions do: list with REST (30 a page), keep the newest of each
// environment and the active one, then for each of the others an inactive status and a DELETE.
func BenchmarkNaiveLoop(b *testing.B) {
	for range b.N {
		b.StopTimer()
		gh := benchFake(b, 1000)
		hc := http.DefaultClient
		send := func(method, path string, body any) *http.Response {
			var raw []byte
			if body != nil {
				raw, _ = json.Marshal(body)
			}
			req, _ := http.NewRequest(method, gh.URL()+path, bytes.NewReader(raw))
			req.Header.Set("Authorization", "token "+githubtest.DefaultToken)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			return resp
		}
		gh.ResetRequests()
		b.StartTimer()
		start := time.Now()
		type dep struct {
			ID          int64  `json:"id"`
			Environment string `json:"environment"`
		}
		var all []dep
		for page := 1; ; page++ {
			resp := send("GET", "/repos/octo/demo/deployments?page="+strconv.Itoa(page), nil)
			var list []dep
			_ = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			all = append(all, list...)
			if len(list) < 30 {
				break
			}
		}
		seen := map[string]bool{}
		for _, d := range all { // newest first: the first of each environment is kept
			if !seen[d.Environment] {
				seen[d.Environment] = true
				continue
			}
			send("POST", fmt.Sprintf("/repos/octo/demo/deployments/%d/statuses", d.ID), map[string]string{"state": "inactive"}).Body.Close()
			send("DELETE", fmt.Sprintf("/repos/octo/demo/deployments/%d", d.ID), nil).Body.Close()
		}
		b.StopTimer()
		report(b, gh, start, len(gh.Deployments("octo/demo")))
	}
}
