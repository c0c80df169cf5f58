package river

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/ghapitest"
	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/listen"
	"github.com/deployctl/gh-deployctl/internal/pgtest"
	"github.com/deployctl/gh-deployctl/internal/webhook"
)

// BenchmarkAcknowledgement: a listener's acknowledgement latency (POST of a
// signed merged pull request to its 202) at a steady 200 deliveries/s, and
// its throughput with 32 connections, on the embedded journal and on
// PostgreSQL (a local cluster with fsync on, as a real one), in one run.
// Each delivery is a River job (or a journal record) and a merge the
// workers then create at an in-process fake GitHub.
//
//	go test ./internal/listen/river -run '^$' -bench Acknowledgement -benchtime 1x
//
// DEPLOYCTL_BENCH_SECONDS sets the length of each phase (default 30).
func BenchmarkAcknowledgement(b *testing.B) {
	secs := 30
	if v, err := strconv.Atoi(os.Getenv("DEPLOYCTL_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	pg := pgtest.Start(b, "fsync = on", "synchronous_commit = on", "full_page_writes = on")
	for _, kind := range []string{"journal", "database"} {
		b.Run(kind, func(b *testing.B) {
			addr, stop := startListener(b, kind, pg)
			defer stop()
			b.Run("200rps", func(b *testing.B) {
				lat := steady(b, addr, 200, time.Duration(secs)*time.Second)
				b.ReportMetric(pct(lat, 50), "p50-ms")
				b.ReportMetric(pct(lat, 99), "p99-ms")
				b.ReportMetric(float64(len(lat)), "deliveries")
			})
			b.Run("32conns", func(b *testing.B) {
				n := flood(b, addr, 32, time.Duration(secs)*time.Second/3)
				b.ReportMetric(float64(n)/(float64(secs)/3), "deliveries/s")
			})
		})
	}
}

func startListener(b *testing.B, kind string, pg *pgtest.Server) (string, func()) {
	gh := githubtest.NewT(b)
	client := ghapitest.Client(b, gh, "")
	log := slog.New(slog.DiscardHandler)
	o := listen.Options{
		Addr: "127.0.0.1:0", Secret: []byte("bench"), StateDir: b.TempDir(), Log: log,
		Client: func() (*ghapi.Client, error) { return client, nil },
	}
	var st *Store
	var err error
	if kind == "database" {
		if st, err = Open(context.Background(), Options{URL: pg.NewDatabase(b), Deployments: 1, Log: log}); err != nil {
			b.Fatal(err)
		}
		o.Store = st
	}
	ready := make(chan net.Addr, 1)
	o.Ready = func(a net.Addr) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- listen.Run(ctx, o) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		b.Fatal(err)
	}
	return addr.String(), func() {
		cancel()
		<-done
		if st != nil {
			st.Close()
		}
	}
}

var deliveries atomic.Int64

func post(c *http.Client, addr string) (time.Duration, error) {
	n := deliveries.Add(1)
	body, err := webhook.Build("pull_request", webhook.Params{Repo: "octo/demo", Number: int(n), Ref: "feature"})
	if err != nil {
		return 0, err
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+listen.DefaultPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", webhook.NewDeliveryID())
	req.Header.Set("X-Hub-Signature-256", webhook.Signature("bench", body))
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("answered %s", resp.Status)
	}
	return time.Since(start), nil
}

func httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
}

// steady sends rate deliveries a second for d (each on its own goroutine,
// so a slow answer does not slow the rate) and returns their latencies.
func steady(b *testing.B, addr string, rate int, d time.Duration) []time.Duration {
	c := httpClient()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := post(c, addr)
			if err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			lat = append(lat, l)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat
}

// flood keeps conns deliveries in flight for d and returns how many were acknowledged.
func flood(b *testing.B, addr string, conns int, d time.Duration) int64 {
	c := httpClient()
	var n atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if _, err := post(c, addr); err != nil {
					b.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return n.Load()
}

func pct(lat []time.Duration, p int) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
}
