package output

import (
	"fmt"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/tableprinter"
	"github.com/cli/go-gh/v2/pkg/text"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Table is go-gh's table printer (aligned columns with a header on a TTY,
// tab-separated values without a header off it) that keeps every record
// on one line: a newline, tab or other control character in a cell is
// shown escaped (Cell).
type Table struct{ tp tableprinter.TablePrinter }

// NewTable starts a table with the given header (shown on a TTY only).
func NewTable(ios *iostreams.IOStreams, header ...string) *Table {
	tp := tableprinter.New(ios.Out, ios.IsStdoutTTY(), ios.TerminalWidth())
	if len(header) > 0 {
		tp.AddHeader(header, tableprinter.WithColor(ios.ColorScheme().Bold))
	}
	return &Table{tp: tp}
}

// FieldOption changes how one cell is shown on a TTY.
type FieldOption struct {
	color      func(string) string
	noTruncate bool
}

// WithColor paints the cell on a TTY.
func WithColor(fn func(string) string) FieldOption { return FieldOption{color: fn} }

// WithoutTruncation keeps the cell whole when the terminal is narrow; other
// columns give way (gh keeps times whole this way).
func WithoutTruncation() FieldOption { return FieldOption{noTruncate: true} }

// AddField adds the next cell of the current row.
func (t *Table) AddField(s string, opts ...FieldOption) {
	var color func(string) string
	noTruncate := false
	for _, o := range opts {
		if o.color != nil {
			color = o.color
		}
		noTruncate = noTruncate || o.noTruncate
	}
	s = Cell(s)
	switch {
	case color != nil && noTruncate:
		t.tp.AddField(s, tableprinter.WithColor(color), tableprinter.WithTruncate(nil))
	case color != nil:
		t.tp.AddField(s, tableprinter.WithColor(color))
	case noTruncate:
		t.tp.AddField(s, tableprinter.WithTruncate(nil))
	default:
		t.tp.AddField(s)
	}
}

// EndRow ends the current row.
func (t *Table) EndRow() { t.tp.EndRow() }

// Render writes the table.
func (t *Table) Render() error { return t.tp.Render() }

// Cell is s as one table or TSV cell: newlines, tabs and other control
// characters (which would start a new row or column, or drive the
// terminal) are shown as \n, \t, \r or \xNN.
func Cell(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

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
