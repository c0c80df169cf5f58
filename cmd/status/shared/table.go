// Package shared holds what the status commands and `get` print alike.
package shared

import (
	"fmt"
	"time"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/output"
	"github.com/deployctl/gh-deployctl/internal/status"
)

// StatusTable prints statuses; a non-empty prefix starts each row (off a
// TTY, to tell them from other lines).
func StatusTable(ios *iostreams.IOStreams, now time.Time, statuses []status.Status, prefix string) error {
	cs := ios.ColorScheme()
	tp := output.NewTable(ios, "ID", "STATE", "ENVIRONMENT", "DESCRIPTION", "CREATOR", "CREATED")
	for _, s := range statuses {
		if prefix != "" {
			tp.AddField(prefix)
		}
		tp.AddField(fmt.Sprint(s.ID))
		tp.AddField(s.State, output.WithColor(cs.State))
		tp.AddField(s.Environment)
		tp.AddField(s.Description)
		tp.AddField(s.Creator)
		tp.AddField(output.Time(ios, now, s.CreatedAt), output.WithColor(cs.Gray), output.WithoutTruncation())
		tp.EndRow()
	}
	return tp.Render()
}
