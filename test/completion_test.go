package test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The committed completion scripts, loaded in real shells with the built
// binary on PATH, complete commands and deployment states. (That they match
// the command tree is internal/gendocs's test.)

var states = []string{"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}

func TestBashCompletion(t *testing.T) {
	bash := requireTool(t, "bash", "apt-get install bash")
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	requireFile(t, bashCompletion, "apt-get install bash-completion")
	script := filepath.Join(moduleRoot(t), "completions", "deployctl.bash")

	// What bash does on TAB: set COMP_* and call the function that
	// `complete -F` registered for deployctl.
	complete := func(line string) []string {
		t.Helper()
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		prog := `source ` + bashCompletion + `
source "$1"
shift
COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
fn=$(complete -p deployctl | sed -E 's/.*-F ([^ ]+).*/\1/')
"$fn" deployctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
`
		args := append([]string{"-c", prog, "bash", script, line}, words...)
		out, _ := run(t, t.TempDir(), cleanEnv(t, []string{deployctlBinary(t)}), bash, args...)
		return fields(out)
	}
	if got := complete("deployctl st"); !slices.Equal(got, []string{"status"}) {
		t.Errorf("bash: deployctl st<TAB> = %q, want [status]", got)
	}
	if got := complete("deployctl status set 1 "); !slices.Equal(got, states) {
		t.Errorf("bash: deployctl status set 1 <TAB> = %q, want %q", got, states)
	}
}

func TestZshCompletion(t *testing.T) {
	zsh := requireTool(t, "zsh", "apt-get install zsh")
	script := filepath.Join(moduleRoot(t), "completions", "_deployctl")

	// zsh hands candidates to _describe/compadd inside its completion
	// widget; outside one, these stand-ins print what would be offered.
	complete := func(line string) []string {
		t.Helper()
		prog := `autoload -U compinit && compinit -u -d "$HOME/.zcompdump"
source "$1"
_describe() { local c; for c in "${completions[@]}"; do print -r -- "${c%%:*}"; done; return 0 }
compadd() { local a; for a in "$@"; do [[ $a == -* ]] || print -r -- "$a"; done; return 0 }
compopt() { : }
words=(${(z)2})
[[ $2 == *" " ]] && words+=("")
CURRENT=${#words}
_deployctl
`
		out, _ := run(t, t.TempDir(), cleanEnv(t, []string{deployctlBinary(t)}), zsh, "-f", "-c", prog, "zsh", script, line)
		return fields(out)
	}
	if got := complete("deployctl st"); !slices.Equal(got, []string{"status"}) {
		t.Errorf("zsh: deployctl st<TAB> = %q, want [status]", got)
	}
	if got := complete("deployctl status set 1 "); !slices.Equal(got, states) {
		t.Errorf("zsh: deployctl status set 1 <TAB> = %q, want %q", got, states)
	}
}

func TestFishCompletion(t *testing.T) {
	fish := requireTool(t, "fish", "apt-get install fish")
	script := filepath.Join(moduleRoot(t), "completions", "deployctl.fish")

	complete := func(line string) []string {
		t.Helper()
		out, _ := run(t, t.TempDir(), cleanEnv(t, []string{deployctlBinary(t)}), fish, "--no-config", "-c",
			`source $argv[1]; complete --do-complete $argv[2]`, script, line)
		var names []string
		for _, l := range fields(out) {
			name, _, _ := strings.Cut(l, "\t")
			names = append(names, name)
		}
		return names
	}
	if got := complete("deployctl st"); !slices.Equal(got, []string{"status"}) {
		t.Errorf("fish: deployctl st<TAB> = %q, want [status]", got)
	}
	got := complete("deployctl status set 1 ")
	slices.Sort(got)
	want := slices.Clone(states)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fish: deployctl status set 1 <TAB> = %q, want %q", got, want)
	}
}

func fields(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
