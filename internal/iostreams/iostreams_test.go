package iostreams

import "testing"

func TestSystemHonoursGhVariables(t *testing.T) {
	tests := []struct {
		env        map[string]string
		tty, color bool
	}{
		{map[string]string{"GH_FORCE_TTY": "1", "CLICOLOR_FORCE": "1"}, true, true},
		{map[string]string{"GH_FORCE_TTY": "1", "NO_COLOR": "1"}, true, false},
		{map[string]string{"GH_FORCE_TTY": "", "NO_COLOR": "", "CLICOLOR_FORCE": ""}, false, false}, // go test's stdout is not a terminal
	}
	for _, tt := range tests {
		for _, k := range []string{"GH_FORCE_TTY", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"} {
			t.Setenv(k, tt.env[k])
		}
		s := System()
		if s.IsStdoutTTY() != tt.tty || s.ColorEnabled() != tt.color {
			t.Errorf("%v: tty %v color %v, want %v %v", tt.env, s.IsStdoutTTY(), s.ColorEnabled(), tt.tty, tt.color)
		}
	}
}

func TestColorScheme(t *testing.T) {
	s, _, _, _ := Test()
	if got := s.ColorScheme().State("failure"); got != "failure" {
		t.Errorf("colour off a TTY: %q", got)
	}
	s.SetStdoutTTY(true)
	s.SetColorEnabled(true)
	cs := s.ColorScheme()
	for state, code := range map[string]string{"success": "32", "failure": "31", "error": "31", "in_progress": "33", "inactive": "90",
		"success    ": "32", "error      ": "31", "none       ": "90"} { // padded in a table cell
		if got := cs.State(state); got != "\x1b["+code+"m"+state+"\x1b[0m" {
			t.Errorf("%s: %q", state, got)
		}
	}
}
