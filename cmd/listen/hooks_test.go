package listen

import (
	"testing"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

func TestCheckHooks(t *testing.T) {
	for _, tc := range []struct {
		notify  []string
		metrics string
		ok      bool
	}{
		{[]string{"https://hooks.slack.com/services/T/B/X", "http://chat.internal/hooks/abc"}, "127.0.0.1:9464", true},
		{[]string{"hooks.slack.com/services/T/B/X"}, "", false},
		{[]string{"https://hooks.example/x", "ftp://x/y"}, "", false},
		{nil, "9464", false},
		{nil, ":9464", true},
	} {
		err := checkHooks(&ListenOptions{Notify: tc.notify, MetricsAddr: tc.metrics})
		if tc.ok && err != nil {
			t.Errorf("%v %q: %v", tc.notify, tc.metrics, err)
		}
		if !tc.ok && cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v %q: %v, want a usage error", tc.notify, tc.metrics, err)
		}
	}
}
