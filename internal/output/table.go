package output

import (
	"time"

	"github.com/cli/go-gh/v2/pkg/tableprinter"
	"github.com/cli/go-gh/v2/pkg/text"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// NewTable returns go-gh's table printer: aligned columns with a header on a
// TTY, tab-separated values without a header off it.
func NewTable(ios *iostreams.IOStreams, header ...string) tableprinter.TablePrinter {
	tp := tableprinter.New(ios.Out, ios.IsStdoutTTY(), ios.TerminalWidth())
	if len(header) > 0 {
		tp.AddHeader(header, tableprinter.WithColor(ios.ColorScheme().Bold))
	}
	return tp
}

// Time formats t for people on a TTY ("about 2 hours ago") and for scripts
// off it (RFC 3339, UTC).
func Time(ios *iostreams.IOStreams, now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if ios.IsStdoutTTY() {
		return text.RelativeTimeAgo(now, t)
	}
	return t.UTC().Format(time.RFC3339)
}
