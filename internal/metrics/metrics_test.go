package metrics

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics and parses the text exposition format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %s %s", resp.Status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("exposition format: %v", err)
	}
	return fams
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

func TestScrape(t *testing.T) {
	depth := 3.0
	m := New(func() float64 { return depth })
	m.Delivery("deployment", "accepted")
	m.Delivery("deployment", "accepted")
	m.Delivery("push", "ignored")
	m.Deployment("production", "success", 42*time.Second)
	m.Deployment("production", "failure", 2*time.Second)
	m.Deployment("staging", "success", 700*time.Millisecond)

	srv, err := m.Listen("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	fams := scrape(t, "http://"+srv.Addr().String()+"/metrics")

	counter := func(name string, want map[string]string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s", name)
		}
		for _, mt := range f.GetMetric() {
			l := labels(mt)
			match := len(l) == len(want)
			for k, v := range want {
				match = match && l[k] == v
			}
			if match {
				return mt.GetCounter().GetValue()
			}
		}
		t.Fatalf("no %s%v", name, want)
		return 0
	}
	if got := counter("deployctl_deliveries_total", map[string]string{"event": "deployment", "result": "accepted"}); got != 2 {
		t.Errorf("deliveries accepted = %v, want 2", got)
	}
	if got := counter("deployctl_deliveries_total", map[string]string{"event": "push", "result": "ignored"}); got != 1 {
		t.Errorf("deliveries ignored = %v, want 1", got)
	}
	if got := counter("deployctl_deployments_total", map[string]string{"environment": "production", "state": "failure"}); got != 1 {
		t.Errorf("production failures = %v, want 1", got)
	}
	h := fams["deployctl_deploy_duration_seconds"]
	if h == nil || h.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("deploy duration is not a histogram: %v", h)
	}
	for _, mt := range h.GetMetric() {
		hist := mt.GetHistogram()
		switch labels(mt)["environment"] {
		case "production":
			if hist.GetSampleCount() != 2 || hist.GetSampleSum() != 44 {
				t.Errorf("production histogram count %d sum %v, want 2 and 44", hist.GetSampleCount(), hist.GetSampleSum())
			}
			// 42 s falls in the 60 s bucket, not the 30 s one.
			for _, b := range hist.GetBucket() {
				want := map[float64]uint64{1: 0, 5: 1, 30: 1, 60: 2}[b.GetUpperBound()]
				if _, ok := map[float64]bool{1: true, 5: true, 30: true, 60: true}[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
					t.Errorf("bucket le=%v has %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
				}
			}
		case "staging":
			if hist.GetSampleCount() != 1 {
				t.Errorf("staging histogram count %d", hist.GetSampleCount())
			}
		default:
			t.Errorf("histogram labels %v", labels(mt))
		}
	}
	q := fams["deployctl_queue_depth"]
	if q == nil || q.GetType() != dto.MetricType_GAUGE || q.GetMetric()[0].GetGauge().GetValue() != 3 {
		t.Errorf("queue depth = %v, want a gauge at 3", q)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("no runtime metric %s", name)
		}
	}

	depth = 0
	if got := scrape(t, "http://"+srv.Addr().String()+"/metrics")["deployctl_queue_depth"].GetMetric()[0].GetGauge().GetValue(); got != 0 {
		t.Errorf("queue depth not read at scrape time: %v", got)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := http.Get("http://" + srv.Addr().String() + "/metrics"); err == nil {
		t.Error("still serving after Close")
	}
}

func TestNilMetricsAreNoOps(t *testing.T) {
	var m *Metrics
	m.Delivery("ping", "accepted")
	m.Deployment("production", "success", time.Second)
}
