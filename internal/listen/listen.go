// Package listen is `deployctl listen`: a webhook handler that turns merged
// pull requests into deployments and runs deployments with a command,
// posting their statuses. Its parts are the intake (HTTP, verify, journal,
// acknowledge), the journal (durable deliveries and job progress), the
// workers in this package (per-environment lanes, merge handling, recovery
// and shutdown) and the runner (the deploy command's process).
package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deployctl/gh-deployctl/internal/ghapi"
	"github.com/deployctl/gh-deployctl/internal/listen/intake"
	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// Options configure a listener. The zero values of the durations and sizes
// take the defaults below.
type Options struct {
	Addr string // default DefaultAddr
	Path string // default DefaultPath

	// Secret verifies deliveries; it may be empty only with Insecure.
	Secret   []byte
	Insecure bool

	StateDir string
	// Store keeps deliveries and jobs; nil opens the journal in StateDir.
	// The caller closes a Store it gives.
	Store store.Store

	// Exec is the deploy command, already split into argv; nil means
	// deployments are only logged.
	Exec []string
	// Environment is where merged pull requests are deployed (default production).
	Environment       string
	Base              string // glob for merged PRs' base branch; "" = default branch
	NoCreateOnMerge   bool
	EnvironmentFilter string // glob; "" = every environment
	Concurrency       int    // deployments at once across environments (default 1)
	Timeout           time.Duration
	ShutdownGrace     time.Duration
	// LogURLBase, when set, makes the listener serve deploy logs under
	// LogURLBase/logs/<token> and put that URL in the statuses.
	LogURLBase string

	// Client returns the API client; called once at start when the options
	// need the API (merges to create or deployments to run).
	Client func() (*ghapi.Client, error)
	// Host is the GitHub host repositories live on (for go-gh's Repository).
	Host string

	Log *slog.Logger

	// Ready is told the address the listener serves on, once /healthz says ready.
	Ready func(addr net.Addr)
	// Hooks are told what the listener does (notifications, metrics).
	Hooks Hooks
	// Poll, when set, asks GitHub every Poll for PollRepos' deployments and
	// merged pull requests (poll.go); no secret is needed then.
	Poll      time.Duration
	PollRepos []string

	// Seams for tests; zero values take the defaults.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // a whole request, body included
	KillGrace         time.Duration
	StatusRetry       time.Duration // first wait between attempts at a final status
}

const (
	DefaultAddr          = "127.0.0.1:4567"
	DefaultPath          = "/event_handler"
	DefaultEnvironment   = "production"
	DefaultTimeout       = 30 * time.Minute
	DefaultShutdownGrace = 30 * time.Second
)

// ErrNoSecret is returned when no secret is given and verification is not
// explicitly turned off.
var ErrNoSecret = errors.New("no webhook secret: set --secret, --secret-file or DEPLOYCTL_WEBHOOK_SECRET " +
	"(the one configured on the GitHub webhook), or pass --insecure-skip-verify")

func (o *Options) defaults() error {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasPrefix(o.Path, "/") || o.Path == "/healthz" || strings.HasPrefix(o.Path, "/logs/") {
		return fmt.Errorf("--path %q must start with / and not be /healthz or under /logs/", o.Path)
	}
	if len(o.Secret) == 0 && !o.Insecure && o.Poll <= 0 {
		return ErrNoSecret
	}
	if o.Poll > 0 {
		if len(o.PollRepos) == 0 {
			return errors.New("--poll needs the repositories to poll (-R OWNER/REPO)")
		}
		if o.Poll < time.Second {
			return fmt.Errorf("--poll %v: at least 1s", o.Poll)
		}
	}
	if o.StateDir == "" {
		return errors.New("no --state-dir")
	}
	if o.Environment == "" {
		o.Environment = DefaultEnvironment
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 2 * time.Minute // 25 MiB at a slow but honest rate
	}
	if o.KillGrace <= 0 {
		o.KillGrace = 5 * time.Second
	}
	if o.StatusRetry <= 0 {
		o.StatusRetry = 2 * time.Second
	}
	if o.LogURLBase != "" {
		u, err := url.Parse(o.LogURLBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--log-url-base %q is not an http(s) URL", o.LogURLBase)
		}
		o.LogURLBase = strings.TrimSuffix(o.LogURLBase, "/")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return o.rules().Validate()
}

func (o *Options) rules() intake.Rules {
	return intake.Rules{
		Base: o.Base, CreateOnMerge: !o.NoCreateOnMerge, Exec: o.Exec != nil, EnvironmentFilter: o.EnvironmentFilter,
	}
}

// Run serves until ctx is done, then drains: it stops accepting, lets
// running deployments finish within ShutdownGrace and marks the rest error.
func Run(ctx context.Context, o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	st := o.Store
	if st == nil {
		j, err := journal.Open(o.StateDir)
		if err != nil {
			return err
		}
		defer j.Close()
		st = j
	}
	if err := os.MkdirAll(filepath.Join(o.StateDir, "logs"), 0o700); err != nil {
		return err
	}

	// Bound first: a port in use is an error before anything starts (and
	// before anything would need stopping).
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	var client *ghapi.Client
	if o.Exec != nil || !o.NoCreateOnMerge || o.Poll > 0 {
		if o.Client == nil {
			return errors.New("no API client")
		}
		var err error
		if client, err = o.Client(); err != nil {
			return err
		}
	}

	w := newWorkers(&o, st, client)
	var ready atomic.Bool
	h := &intake.Handler{
		Secret: o.Secret, Insecure: o.Insecure, Rules: o.rules(), Journal: st, Accepted: w.accepted(), Log: o.Log,
	}
	mux := http.NewServeMux()
	// Poll mode without a secret takes no webhooks.
	if len(o.Secret) > 0 || o.Insecure {
		mux.Handle(o.Path, o.Hooks.observe(w.intake(h)))
	}
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(rw, "not accepting deliveries", http.StatusServiceUnavailable)
			return
		}
		// Deliveries get 503 exactly when the store cannot record them.
		if err := st.Check(r.Context()); err != nil {
			http.Error(rw, "cannot record deliveries: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = rw.Write([]byte("ok\n"))
	})
	if o.LogURLBase != "" {
		mux.HandleFunc("GET /logs/{token}", w.serveLog)
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.ReadTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelDebug),
	}
	// Recovery reads the journal's open jobs before any delivery can add
	// one, so nothing is taken up twice.
	if err := w.recover(); err != nil {
		return err
	}
	w.start()
	if o.Poll > 0 {
		w.startPolling(ctx)
	}
	serveErr := make(chan error, 1)
	// Crowded, the server closes idle connections and answers without
	// keep-alive until a connection is free again.
	crowded := func(c bool) { srv.SetKeepAlivesEnabled(!c) }
	go func() { serveErr <- srv.Serve(limitConnections(ln, maxConnections, crowded)) }()
	ready.Store(true)
	o.Log.Info("listening", "addr", ln.Addr().String(), "path", o.Path, "exec", o.Exec != nil,
		"create_on_merge", !o.NoCreateOnMerge, "state_dir", o.StateDir)
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		w.stop(0)
		return err
	}
	o.Log.Info("shutting down: no new deliveries; running deployments get " + o.ShutdownGrace.String())
	ready.Store(false)
	// The server's connections close while the deployments drain; all of
	// it ends within ShutdownGrace + 10 s, however slow GitHub is.
	served := make(chan struct{})
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		close(served)
	}()
	w.stop(o.ShutdownGrace)
	<-served
	o.Log.Info("stopped")
	return nil
}
