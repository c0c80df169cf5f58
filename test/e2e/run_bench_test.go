//go:build unix

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
	"github.com/deployctl/gh-deployctl/internal/testbin"
)

// BenchmarkRunOverhead is issue 8's run overhead: the wall time of
// `deployctl run --ref main -- true` against the fake GitHub (no latency)
// minus that of `true` alone, and the requests each run sends (goal 3:
// create, in_progress, final). Each iteration runs both, so a loaded
// machine weighs on both alike; the medians are reported, with that of
// `deployctl --version` (the process's start-up alone) for scale.
//
//	go test ./test/e2e/ -run '^$' -bench RunOverhead -benchtime 200x
func BenchmarkRunOverhead(b *testing.B) {
	gh := githubtest.New(githubtest.Options{})
	defer gh.Close()
	bin := testbin.Deployctl(b)
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Fatal(err)
	}
	home := b.TempDir()
	env := []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GH_CONFIG_DIR=" + filepath.Join(home, "gh"), "GITHUB_API_URL=" + gh.URL(), "GH_TOKEN=" + githubtest.DefaultToken,
		"GH_REPO=octo/demo",
	}
	timed := func(name string, args ...string) time.Duration {
		c := exec.Command(name, args...)
		c.Env = env
		start := time.Now()
		if err := c.Run(); err != nil {
			b.Fatalf("%s %v: %v", name, args, err)
		}
		return time.Since(start)
	}
	var bare, run, version []time.Duration
	gh.ResetRequests()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bare = append(bare, timed(truePath))
		run = append(run, timed(bin, "run", "--ref", "main", "--", truePath))
		version = append(version, timed(bin, "--version"))
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(median(run)-median(bare)), "overhead-ms")
	b.ReportMetric(ms(median(run)), "run-median-ms")
	b.ReportMetric(ms(median(bare)), "true-median-ms")
	// deployctl's own start-up, for scale: the rest of the overhead is
	// the three requests and the command's start.
	b.ReportMetric(ms(median(version)), "version-median-ms")
	b.ReportMetric(float64(len(gh.Requests()))/float64(b.N), "requests/op")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
