package listen_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/deployctl/gh-deployctl/internal/testbin"
	"testing"
	"time"
)

// rssMiB is a process's resident memory.
func rssMiB(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skip("no /proc:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb >> 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestAnnouncedBodiesDoNotTakeMemory (D1): 200 connections announcing 25
// MiB bodies and sending 1 MiB each, without the secret, keep the
// listener's memory bounded by what it lets arrive; once they are gone,
// deliveries are accepted again.
func TestAnnouncedBodiesDoNotTakeMemory(t *testing.T) {
	e := newEnv(t)
	l := e.start()
	pid := l.cmd.Process.Pid
	chunk := []byte(strings.Repeat("x", 64<<10))
	var wg sync.WaitGroup
	conns := make(chan net.Conn, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", e.addr)
			if err != nil {
				t.Error(err)
				return
			}
			conns <- c
			fmt.Fprintf(c, "POST /event_handler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
				"X-GitHub-Event: ping\r\nX-GitHub-Delivery: flood-%d\r\nContent-Length: %d\r\n\r\n", i, 25<<20)
			// What the listener does not read stays in the kernel's buffers,
			// and the write waits: give up after a moment.
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			for range 16 {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(conns)
	peak := 0
	for range 20 {
		peak = max(peak, rssMiB(t, pid))
		time.Sleep(50 * time.Millisecond)
	}
	if peak >= 100 {
		t.Errorf("listener RSS %d MiB with 200 connections announcing 25 MiB, want < 100", peak)
	}
	t.Logf("peak RSS %d MiB", peak)
	for c := range conns {
		c.Close()
	}
	body := []byte(`{"zen":"hi","hook_id":1}`)
	e.waitFor(15*time.Second, "a delivery accepted after the flood", func() bool {
		return e.post("ping", "after-flood", "application/json", sign(body), body) == 200
	})
}

// TestSecretNeverReachesTheCommand (D6): whichever way the secret is given,
// the deploy command finds it neither in its environment nor in the
// listener's (/proc/<listener>/environ).
func TestSecretNeverReachesTheCommand(t *testing.T) {
	for _, c := range []struct {
		name string
		env  func(e *env) []string
		args []string
	}{
		{"DEPLOYCTL_WEBHOOK_SECRET", func(*env) []string { return []string{"DEPLOYCTL_WEBHOOK_SECRET=" + secret} }, nil},
		{"DEPLOYCTL_SECRET", func(*env) []string { return []string{"DEPLOYCTL_SECRET=" + secret} }, nil},
		{"DEPLOYCTL_SECRET_FILE", func(e *env) []string {
			return []string{"DEPLOYCTL_SECRET_FILE=" + writeSecret(t, e.work)}
		}, nil},
		{"--secret-file", func(*env) []string { return []string{} }, []string{"--secret-file", "SECRETFILE"}},
		{"config file", func(e *env) []string {
			dir := filepath.Join(e.work, "deployctl")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("listen:\n  secret: "+secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{}
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.secretEnv = c.env(e)
			args := c.args
			if len(args) > 0 && args[1] == "SECRETFILE" {
				args = []string{"--secret-file", writeSecret(t, e.work)}
			}
			l := e.start(args...)
			id := e.createDeployment("production", "deploy")
			if got := latest(e.waitFinal(id, 20*time.Second)).State; got != "success" {
				t.Fatalf("deployment %s", got)
			}
			out := filepath.Join(e.work, fmt.Sprintf("out-%d", id))
			files := []string{out + ".env"}
			if os.Geteuid() != 0 {
				// Root reads any process's environ, dumpable or not; the
				// listener's non-dumpable flag has a test of its own.
				files = append(files, out+".parent-env")
			}
			for _, name := range files {
				if b := readFile(t, name); strings.Contains(b, secret) {
					t.Errorf("%s holds the secret:\n%s", filepath.Base(name), b)
				}
			}
			if b := readFile(t, out+".env"); strings.Contains("\n"+b, "\nDEPLOYCTL_") || !strings.Contains(b, "GH_TOKEN=") {
				t.Errorf("the command's environment:\n%s", b)
			}
			l.stop(t, syscall.SIGTERM, 10*time.Second)
		})
	}
}

func writeSecret(t *testing.T, dir string) string {
	name := filepath.Join(dir, "hook-secret")
	if err := os.WriteFile(name, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestShutdownBoundedWhenGitHubHangs (issue 11, item 5): with GitHub not
// answering, SIGTERM still ends the listener within --shutdown-grace plus
// 10 s; the final status it could not post is posted at the next start.
func TestShutdownBoundedWhenGitHubHangs(t *testing.T) {
	e := newEnv(t)
	l := e.start("--shutdown-grace", "1s", "--concurrency", "1")
	id := e.createDeployment("production", "block")
	e.waitState(id, "in_progress", 10*time.Second)
	e.waitFor(10*time.Second, "the command started", func() bool {
		_, err := os.Stat(filepath.Join(e.work, fmt.Sprintf("out-%d", id)))
		return err == nil
	})
	e.gh.SetLatency(time.Hour)
	start := time.Now()
	l.stop(t, syscall.SIGTERM, 20*time.Second)
	if d := time.Since(start); d > 11*time.Second {
		t.Errorf("the listener took %v to stop, want at most --shutdown-grace + 10 s", d)
	}
	if got := latest(e.deployment(id)).State; got != "in_progress" {
		t.Fatalf("status %s posted while GitHub hung", got)
	}
	e.gh.SetLatency(0)
	e.start()
	if st := latest(e.waitFinal(id, 15*time.Second)); st.State != "error" || !strings.Contains(st.Description, "shut down") {
		t.Fatalf("after the restart: %+v", st)
	}
}

// TestDamagedJournalRefusesToStart (D2): a journal.db that cannot be read
// (here: emptied) makes the listener exit 1 naming the file and what to
// do, and it is left as it is.
func TestDamagedJournalRefusesToStart(t *testing.T) {
	e := newEnv(t)
	name := filepath.Join(e.stateDir, "journal.db")
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec_(testbin.Deployctl(t), "listen", "--addr", e.addr, "--state-dir", e.stateDir, "--no-create-on-merge")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.work, "DEPLOYCTL_WEBHOOK_SECRET=" + secret}
	out, err := cmd.CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), name) || !strings.Contains(string(out), "move it aside") ||
		strings.Contains(string(out), "goroutine") {
		t.Fatalf("exit %d:\n%s", exitCode(err), out)
	}
	if st, err := os.Stat(name); err != nil || st.Size() != 0 {
		t.Fatalf("the journal was changed: %v %v", st, err)
	}
	if entries, _ := os.ReadDir(e.stateDir); len(entries) != 1 {
		t.Fatalf("the state directory holds %d entries, want the journal alone", len(entries))
	}
}
