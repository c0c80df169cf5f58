// Package iostreams is the terminal a command talks to: its three streams,
// whether each is a TTY, colour and width. Tests get buffers and decide
// what is a TTY, so they see exactly what a user would.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/cli/go-gh/v2/pkg/term"
)

// IOStreams holds a command's standard streams and what they are.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	color     bool
	// colorForced: CLICOLOR_FORCE asks for colour off a terminal too
	// (gh then colours JSON; tables off a terminal stay plain TSV).
	colorForced bool
	width       int
	pager       *pager
}

// System reads the process's terminal the way gh does (GH_FORCE_TTY,
// NO_COLOR, CLICOLOR, CLICOLOR_FORCE through go-gh's term).
func System() *IOStreams {
	t := term.FromEnv()
	s := &IOStreams{
		In:        os.Stdin,
		Out:       t.Out(),
		ErrOut:    t.ErrOut(),
		stdinTTY:  term.IsTerminal(os.Stdin),
		stdoutTTY: t.IsTerminalOutput(),
		stderrTTY: term.IsTerminal(os.Stderr),
		color:     t.IsColorEnabled(),
		width:     80,
		// go-gh's rule for CLICOLOR_FORCE (term.IsColorForced is internal).
		colorForced: os.Getenv("CLICOLOR_FORCE") != "" && os.Getenv("CLICOLOR_FORCE") != "0",
	}
	if w, _, err := t.Size(); err == nil && w > 0 {
		s.width = w
	}
	return s
}

// Test returns streams backed by buffers, none a TTY.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY, SetStdoutTTY and SetStderrTTY are for tests.
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetTerminalWidth is for tests.
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// SetColorEnabled is for tests.
func (s *IOStreams) SetColorEnabled(v bool) { s.color = v }

// SetColorForced is for tests: CLICOLOR_FORCE.
func (s *IOStreams) SetColorForced(v bool) { s.colorForced = v }

// ColorEnabled reports whether stdout may carry colour: on a terminal, or
// anywhere with CLICOLOR_FORCE (and colour not turned off).
func (s *IOStreams) ColorEnabled() bool { return s.color && (s.stdoutTTY || s.colorForced) }

// TerminalWidth is the width tables are fitted to.
func (s *IOStreams) TerminalWidth() int { return s.width }

// ColorScheme returns colour functions that do nothing when colour is off.
func (s *IOStreams) ColorScheme() *ColorScheme { return &ColorScheme{enabled: s.ColorEnabled()} }

// ColorScheme paints text for a terminal.
type ColorScheme struct{ enabled bool }

func (c *ColorScheme) paint(code, t string) string {
	if !c.enabled {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

func (c *ColorScheme) Bold(t string) string   { return c.paint("1", t) }
func (c *ColorScheme) Red(t string) string    { return c.paint("31", t) }
func (c *ColorScheme) Green(t string) string  { return c.paint("32", t) }
func (c *ColorScheme) Yellow(t string) string { return c.paint("33", t) }
func (c *ColorScheme) Gray(t string) string   { return c.paint("90", t) }

// SuccessIcon is a green check mark.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }

// State colours a deployment state by what it means. A table cell arrives
// padded to its column's width ("success    "), so the word decides.
func (c *ColorScheme) State(state string) string {
	switch strings.TrimSpace(state) {
	case "success":
		return c.Green(state)
	case "failure", "error":
		return c.Red(state)
	case "in_progress", "queued", "pending":
		return c.Yellow(state)
	default:
		return c.Gray(state)
	}
}
