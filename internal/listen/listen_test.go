package listen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

var journalOpen = journal.Open

// TestSlowClients: a client that trickles its headers, or its body, is cut
// off by the server's timeouts, and others are served meanwhile.
func TestSlowClients(t *testing.T) {
	const headerTimeout, readTimeout = 300 * time.Millisecond, time.Second
	addrc := make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Addr: "127.0.0.1:0", Insecure: true, StateDir: t.TempDir(), NoCreateOnMerge: true,
			Log:               slog.New(slog.NewTextHandler(io.Discard, nil)),
			ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout,
			Ready: func(a net.Addr) { addrc <- a },
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	var addr string
	select {
	case a := <-addrc:
		addr = a.String()
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready")
	}

	// trickle opens a connection, sends start, then one byte of more every
	// 50 ms until the server closes the connection; it reports how long the
	// server took.
	trickle := func(start, more string) <-chan time.Duration {
		out := make(chan time.Duration, 1)
		// From before the dial: the server's clock starts once it accepted.
		begin := time.Now()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := io.WriteString(conn, start); err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() {
			// The server closes (maybe after an error response).
			_, _ = io.Copy(io.Discard, conn)
			close(closed)
		}()
		go func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-closed:
					out <- time.Since(begin)
					return
				case <-tick.C:
					_, _ = conn.Write([]byte{more[i%len(more)]})
				}
			}
		}()
		return out
	}
	slowHeaders := trickle("POST /event_handler HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaaaa\r\n")
	slowBody := trickle("POST /event_handler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"X-GitHub-Event: ping\r\nX-GitHub-Delivery: slow-body\r\nContent-Length: 100000\r\n\r\n{", " ")

	// Meanwhile others are served.
	body := `{"zen":"hi","hook_id":1}`
	for i := range 3 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+DefaultPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "ping")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprint("fast-", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("a prompt client got %d while slow ones were connected", resp.StatusCode)
		}
	}

	for name, c := range map[string]struct {
		took <-chan time.Duration
		min  time.Duration
	}{"headers": {slowHeaders, headerTimeout}, "body": {slowBody, readTimeout}} {
		select {
		case d := <-c.took:
			if d < c.min {
				t.Errorf("slow %s: cut off after %v, before the timeout %v", name, d, c.min)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("slow %s: still connected after 10s", name)
		}
	}

	// And the server still serves afterwards.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	status, _ := bufio.NewReader(resp.Body).ReadString('\n')
	resp.Body.Close()
	if status != "ok\n" {
		t.Fatalf("healthz %q", status)
	}
}

// TestPortInUse (issue 10, item 9): a port already in use is an error, and
// nothing before it speaks of shutting down.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var logs strings.Builder
	err = Run(context.Background(), Options{
		Addr: ln.Addr().String(), Insecure: true, StateDir: t.TempDir(), NoCreateOnMerge: true,
		Log: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run on a port in use: %v", err)
	}
	if strings.Contains(strings.ToLower(logs.String()), "shut") || strings.Contains(logs.String(), "grace") {
		t.Fatalf("log before the bind error:\n%s", logs.String())
	}
}

// TestHealthzFollowsTheStore (D3): /healthz answers 503 exactly while the
// store cannot record deliveries, and 200 again once it can.
func TestHealthzFollowsTheStore(t *testing.T) {
	st := &checkStore{Store: nil}
	dir := t.TempDir()
	j, err := journalOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	st.Store = j
	addrc := make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Addr: "127.0.0.1:0", Insecure: true, StateDir: dir, NoCreateOnMerge: true, Store: st,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(a net.Addr) { addrc <- a },
		})
	}()
	defer func() { cancel(); <-done }()
	addr := (<-addrc).String()
	health := func() int {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	delivery := func(id string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+DefaultPath, strings.NewReader(`{"action":"closed","pull_request":{"number":1,"merged":true}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if h, d := health(), delivery("a"); h != 200 || d != 202 {
		t.Fatalf("healthy store: healthz %d, delivery %d", h, d)
	}
	st.fail(errors.New("disk full"))
	if h, d := health(), delivery("b"); h != 503 || d != 503 {
		t.Fatalf("failing store: healthz %d, delivery %d", h, d)
	}
	st.fail(nil)
	if h, d := health(), delivery("c"); h != 200 || d != 202 {
		t.Fatalf("store recovered: healthz %d, delivery %d", h, d)
	}
}

// checkStore fails writes and Check with err while it is set.
type checkStore struct {
	store.Store
	mu  sync.Mutex
	err error
}

func (s *checkStore) fail(err error) { s.mu.Lock(); s.err = err; s.mu.Unlock() }

func (s *checkStore) failing() error { s.mu.Lock(); defer s.mu.Unlock(); return s.err }

func (s *checkStore) Check(ctx context.Context) error {
	if err := s.failing(); err != nil {
		return err
	}
	return s.Store.Check(ctx)
}

func (s *checkStore) Append(ctx context.Context, d *store.Delivery) (bool, error) {
	if err := s.failing(); err != nil {
		return false, err
	}
	return s.Store.Append(ctx, d)
}

// TestKeptAliveConnectionsDoNotStarveNewOnes: with every connection slot
// held by a client's idle kept-alive connections, a new client is still
// served.
func TestKeptAliveConnectionsDoNotStarveNewOnes(t *testing.T) {
	addrc := make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Addr: "127.0.0.1:0", Insecure: true, StateDir: t.TempDir(), NoCreateOnMerge: true,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(a net.Addr) { addrc <- a },
		})
	}()
	defer func() { cancel(); <-done }()
	addr := (<-addrc).String()
	pool := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * maxConnections}}
	defer pool.CloseIdleConnections()
	// Take every slot: maxConnections requests at once open as many
	// connections, which then stay idle in the pool.
	var conns sync.WaitGroup
	for range maxConnections {
		conns.Add(1)
		go func() {
			defer conns.Done()
			resp, err := pool.Get("http://" + addr + "/healthz")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	conns.Wait()
	fresh := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	for i := range 3 {
		resp, err := fresh.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("new client %d, with the pool's connections idle: %v", i, err)
		}
		resp.Body.Close()
		fresh.CloseIdleConnections()
	}
}
