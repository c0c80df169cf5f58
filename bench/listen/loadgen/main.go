// Command loadgen is the benchmark's constant-rate part (Debian's wrk has
// no -R): it sends signed merged-PR deliveries on a fixed schedule (open
// loop, like wrk2) and measures each acknowledgement from the moment it was
// due, so a stalled server cannot hide its latency by slowing the sender.
// It also samples the listener's resident memory while it runs.
//
// With -journal DIR it instead prints how many deliveries the (stopped)
// listener's journal holds.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:4567/event_handler", "listener URL")
	rate := flag.Int("rate", 1000, "deliveries per second")
	dur := flag.Duration("duration", 30*time.Second, "how long")
	payloadFile := flag.String("payload", "", "payload file")
	secret := flag.String("secret", "", "webhook secret")
	prefix := flag.String("prefix", "loadgen", "delivery ID prefix (unique per run)")
	pid := flag.Int("pid", 0, "sample this process's RSS")
	journalDir := flag.String("journal", "", "count the deliveries in this journal and exit")
	flag.Parse()

	if *journalDir != "" {
		j, err := journal.Open(*journalDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		n, err := j.CountDeliveries()
		j.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(n)
		return
	}

	body, err := os.ReadFile(*payloadFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m := hmac.New(sha256.New, []byte(*secret))
	m.Write(body)
	sig := "sha256=" + hex.EncodeToString(m.Sum(nil))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}, Timeout: 30 * time.Second}
	total := int(float64(*rate) * dur.Seconds())
	lat := make([]time.Duration, total)
	var ok, bad, errs atomic.Int64
	var wg sync.WaitGroup

	stopRSS := make(chan struct{})
	var maxRSS int64
	var rssWG sync.WaitGroup
	if *pid != 0 {
		rssWG.Add(1)
		go func() {
			defer rssWG.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				if r := rssKiB(*pid); r > maxRSS {
					maxRSS = r
				}
				select {
				case <-t.C:
				case <-stopRSS:
					return
				}
			}
		}()
	}

	interval := time.Second / time.Duration(*rate)
	start := time.Now()
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, *url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set("X-GitHub-Delivery", *prefix+"-"+strconv.Itoa(i))
			req.Header.Set("X-Hub-Signature-256", sig)
			resp, err := client.Do(req)
			if err != nil {
				errs.Add(1)
				lat[i] = time.Since(due)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat[i] = time.Since(due)
			if resp.StatusCode == http.StatusAccepted {
				ok.Add(1)
			} else {
				bad.Add(1)
			}
		}(i, due)
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopRSS)
	rssWG.Wait()

	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	fmt.Printf("sent=%d accepted=%d non202=%d errors=%d rate=%.0f/s\n", total, ok.Load(), bad.Load(), errs.Load(), float64(total)/elapsed.Seconds())
	fmt.Printf("latency p50=%v p90=%v p99=%v p99.9=%v max=%v\n", q(0.50), q(0.90), q(0.99), q(0.999), lat[len(lat)-1])
	if *pid != 0 {
		fmt.Printf("rss_max_under_load=%.1fMiB\n", float64(maxRSS)/1024)
	}
}

func rssKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
