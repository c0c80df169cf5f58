package listen

import (
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

func TestCheckHooks(t *testing.T) {
	for _, tc := range []struct {
		notify  []string
		metrics string
		ok      bool
		poll    time.Duration
		repos   []string
	}{
		{nil, "", true, time.Minute, []string{"octo/a", "octo/b"}},
		{nil, "", false, time.Minute, nil},
		{nil, "", false, 0, []string{"octo/a"}},
		{nil, "", false, 100 * time.Millisecond, []string{"octo/a"}},
		{nil, "", false, time.Minute, []string{"not-a-repo"}},
		{[]string{"https://hooks.slack.com/services/T/B/X", "http://chat.internal/hooks/abc"}, "127.0.0.1:9464", true, 0, nil},
		{[]string{"hooks.slack.com/services/T/B/X"}, "", false, 0, nil},
		{[]string{"https://hooks.example/x", "ftp://x/y"}, "", false, 0, nil},
		{nil, "9464", false, 0, nil},
		{nil, ":9464", true, 0, nil},
	} {
		err := checkHooks(&ListenOptions{Notify: tc.notify, MetricsAddr: tc.metrics, Poll: tc.poll, PollGiven: tc.poll != 0, Repos: tc.repos})
		if tc.ok && err != nil {
			t.Errorf("%v %q: %v", tc.notify, tc.metrics, err)
		}
		if !tc.ok && cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v %q: %v, want a usage error", tc.notify, tc.metrics, err)
		}
	}
}

// --poll 0s is a --poll below 1s, not a missing --poll.
func TestPollZeroIsTooShort(t *testing.T) {
	err := checkHooks(&ListenOptions{Poll: 0, PollGiven: true, Repos: []string{"octo/demo"}})
	if err == nil || !strings.Contains(err.Error(), "at least 1s") {
		t.Errorf("--poll 0s -R octo/demo: %v, want the at-least-1s usage error", err)
	}
}
