package output

import (
	"testing"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode ✓":    "plain text, ünïcode ✓",
		"a\nb":                     `a\nb`,
		"a\tb\r\n":                 `a\tb\r\n`,
		"\x1b[31mred\x1b[0m":       `\x1b[31mred\x1b[0m`,
		"nul\x00 del\x7f c1\u0085": `nul\x00 del\x7f c1\x85`,
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTableKeepsTimesWhole: on a narrow terminal the wide columns give way,
// not one marked WithoutTruncation (gh keeps times whole).
func TestTableKeepsTimesWhole(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(40)
	tp := NewTable(ios, "REF", "CREATED")
	tp.AddField("a-very-long-branch-name-that-does-not-fit")
	tp.AddField("about 10 months ago", WithoutTruncation())
	tp.EndRow()
	if err := tp.Render(); err != nil {
		t.Fatal(err)
	}
	want := "REF                  CREATED\na-very-long-bran...  about 10 months ago\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
