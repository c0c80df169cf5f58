package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// CanPrompt reports whether a question can be asked: stdin and stdout are
// a terminal.
func CanPrompt(ios *iostreams.IOStreams) bool { return ios.IsStdinTTY() && ios.IsStdoutTTY() }

// Confirm asks question on stderr and reads the answer from stdin: true
// for y or yes (any case), false for anything else or no answer.
func Confirm(ios *iostreams.IOStreams, question string) bool {
	fmt.Fprintf(ios.ErrOut, "%s [y/N] ", question)
	line, _ := bufio.NewReader(ios.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}
