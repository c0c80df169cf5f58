// Package metrics is the listener's Prometheus metrics (`listen
// --metrics-addr`): what it received, what it deployed and how long that
// took, how much waits, plus the Go runtime's and the process's own metrics,
// served at /metrics on a server of its own (not the webhook's: metrics are
// for the inside of a network, webhooks may come from outside).
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the listener's collectors in a registry of its own.
type Metrics struct {
	reg         *prometheus.Registry
	deliveries  *prometheus.CounterVec
	deployments *prometheus.CounterVec
	duration    *prometheus.HistogramVec
}

// DurationBuckets are the deploy-duration histogram's upper bounds in
// seconds: deploys take seconds to tens of minutes (the default timeout is 30).
var DurationBuckets = []float64{1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// New registers the collectors; queueDepth (may be nil) is read at each
// scrape for deployctl_queue_depth.
func New(queueDepth func() float64) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deployctl_deliveries_total",
			Help: "Webhook deliveries (and polled events) by event and result (accepted, duplicate, ignored, rejected, error).",
		}, []string{"event", "result"}),
		deployments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deployctl_deployments_total",
			Help: "Deployments finished by environment and final state (success, failure, error).",
		}, []string{"environment", "state"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "deployctl_deploy_duration_seconds",
			Help:    "How long deploy commands ran, by environment.",
			Buckets: DurationBuckets,
		}, []string{"environment"}),
	}
	if queueDepth == nil {
		queueDepth = func() float64 { return 0 }
	}
	m.reg.MustRegister(m.deliveries, m.deployments, m.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "deployctl_queue_depth",
			Help: "Jobs accepted and not yet done: deployments waiting or running, merged pull requests to create.",
		}, queueDepth),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Delivery counts a delivery's result. Nil-safe, like every method.
func (m *Metrics) Delivery(event, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(event, result).Inc()
}

// Deployment counts a finished deployment and observes how long it ran.
func (m *Metrics) Deployment(environment, state string, ran time.Duration) {
	if m == nil {
		return
	}
	m.deployments.WithLabelValues(environment, state).Inc()
	m.duration.WithLabelValues(environment).Observe(ran.Seconds())
}

// Handler serves the exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Server serves /metrics on its own address.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	err  chan error
	once sync.Once
	cerr error
}

// Listen starts serving m at addr's /metrics.
func (m *Metrics) Listen(addr string, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	s := &Server{
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)},
		ln: ln, err: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.err <- err
	}()
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server, letting a scrape in flight finish within ctx.
// Later calls return the first one's result.
func (s *Server) Close(ctx context.Context) error {
	s.once.Do(func() {
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
		s.cerr = <-s.err
	})
	return s.cerr
}
