// Package pgtest starts throwaway PostgreSQL clusters for tests: the
// server's own binaries (initdb, postgres) on a temporary directory, reached
// through a Unix socket only (listen_addresses is empty: no TCP port, no
// network), nothing downloaded, no docker. The cluster is stopped and its
// directory removed when the test ends; the server runs as a child that
// gets SIGQUIT when the test process dies, so none outlives a killed test.
//
// The binaries are found through initdb on PATH or, as Debian's postgresql
// package installs them, under /usr/lib/postgresql/<version>/bin (the newest
// version wins). Without them the test is skipped with a message saying how
// to install them; under DEPLOYCTL_TEST_REQUIRE_TOOLS=1 (as in CI) it fails.
//
// initdb and postgres refuse to run as root. When the test runs as root (CI
// does), the cluster is created and served as the unprivileged "postgres"
// user that Debian's package creates (or "nobody" when there is none): the
// child processes get that user's credentials, and the temporary directory
// (outside t.TempDir, whose parents only root may enter) is given to it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// RequireToolsEnv turns "PostgreSQL missing" skips into failures (CI sets it).
const RequireToolsEnv = "DEPLOYCTL_TEST_REQUIRE_TOOLS"

// Install says how to get the binaries.
const Install = "apt-get install postgresql"

// Server is a running throwaway cluster.
type Server struct {
	// Dir holds the data directory, the socket directory and server.log.
	Dir string
	// SocketDir is where the server's Unix socket lives.
	SocketDir string
	// Port names the socket file (.s.PGSQL.<Port>); no TCP port is opened.
	Port int

	bin    string
	cred   *syscall.Credential
	dbs    atomic.Int64
	proc   *exec.Cmd
	exited chan struct{}
}

// Start initialises and starts a cluster for t, and stops it when t ends.
// settings are postgresql.conf lines added after the defaults (which turn
// durability off: fsync = off); a later line wins. It skips t (or fails it
// under DEPLOYCTL_TEST_REQUIRE_TOOLS=1) when PostgreSQL is not installed.
func Start(t testing.TB, settings ...string) *Server {
	t.Helper()
	bin, err := FindBin()
	if err != nil {
		missing(t, err.Error())
	}
	s, err := start(bin, settings)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(s.stop)
	return s
}

// FindBin returns the directory holding initdb, pg_ctl, postgres, psql and
// pg_isready: the one initdb on PATH resolves to (Debian links only some of
// them into PATH), else the newest /usr/lib/postgresql/<version>/bin.
func FindBin() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(debian, func(i, j int) bool { return pgVersion(debian[i]) > pgVersion(debian[j]) })
	for _, dir := range append(dirs, debian...) {
		if hasAll(dir, "initdb", "postgres", "psql", "pg_isready") {
			return dir, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL's initdb, postgres, psql and pg_isready are not in one directory "+
		"found through PATH or under /usr/lib/postgresql/*/bin (%s)", Install)
}

func hasAll(dir string, names ...string) bool {
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}

func pgVersion(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("%s, and %s=1 requires it", what, RequireToolsEnv)
	}
	t.Skipf("skipping: %s; set %s=1 to make this a failure", what, RequireToolsEnv)
}

// runAs is the unprivileged user the cluster runs as when we are root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root and there is no postgres or nobody user to run PostgreSQL as (initdb refuses root)")
}

func start(bin string, settings []string) (*Server, error) {
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	// The path stays short: a Unix socket's is limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, SocketDir: filepath.Join(dir, "sock"), Port: 5432, bin: bin, cred: cred}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
		}
	}()
	if err := os.Mkdir(s.SocketDir, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		for _, p := range []string{dir, s.SocketDir} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	data := filepath.Join(dir, "data")
	out, err := s.command(context.Background(), "initdb", "-D", data, "-U", "postgres", "--auth=trust",
		"--no-sync", "--encoding=UTF8", "--locale=C").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// A disposable cluster: no TCP, no durability (a crash loses nothing a
	// test keeps), room for several listeners' pools.
	conf := append([]string{
		"",
		"listen_addresses = ''",
		"unix_socket_directories = '" + s.SocketDir + "'",
		"port = " + strconv.Itoa(s.Port),
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
		"max_connections = 200",
		"shared_buffers = 32MB",
		"log_min_messages = warning",
	}, settings...)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(strings.Join(conf, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := s.serve(data); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// serve runs postgres in the foreground and waits until it accepts
// connections.
func (s *Server) serve(data string) error {
	log, err := os.Create(filepath.Join(s.Dir, "server.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := s.command(context.Background(), "postgres", "-D", data)
	cmd.Stdout, cmd.Stderr = log, log
	// SIGQUIT is an immediate shutdown: the server ends its own children.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("postgres: %v", err)
	}
	s.proc = cmd
	s.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if s.command(context.Background(), "pg_isready", "-q", "-h", s.SocketDir, "-p", strconv.Itoa(s.Port)).Run() == nil {
			return nil
		}
		select {
		case <-s.exited:
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("postgres exited at start:\n%s", out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("postgres not ready within 60 s:\n%s", out)
		}
	}
}

// command runs one of the cluster's programs, as the cluster's user.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	cmd.Dir = s.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

// kill stops the server: a fast shutdown (SIGINT), then an immediate one.
func (s *Server) kill() {
	_ = s.proc.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
		return
	case <-time.After(20 * time.Second):
	}
	_ = s.proc.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.proc.Process.Kill()
		<-s.exited
	}
}

func (s *Server) stop() {
	s.kill()
	_ = os.RemoveAll(s.Dir)
}

// URL is a connection URL for database db (pgx and libpq syntax) on the
// server's socket, as the superuser "postgres".
func (s *Server) URL(db string) string {
	q := url.Values{}
	q.Set("host", s.SocketDir)
	q.Set("port", strconv.Itoa(s.Port))
	q.Set("user", "postgres")
	q.Set("sslmode", "disable")
	return "postgres:///" + db + "?" + q.Encode()
}

// Psql runs SQL through psql as the superuser and returns its output
// (unaligned, tuples only, trailing newlines removed).
func (s *Server) Psql(t testing.TB, db, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := s.command(ctx, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
		"-h", s.SocketDir, "-p", strconv.Itoa(s.Port), "-U", "postgres", "-d", db, "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := "test_" + strconv.FormatInt(s.dbs.Add(1), 10)
	s.Psql(t, "postgres", "CREATE DATABASE "+name)
	return s.URL(name)
}
