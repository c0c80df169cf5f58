package cmdutil

import (
	"context"
	"errors"

	"charm.land/huh/v2"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Selector asks the user to pick one of options and returns its index. Commands hold one in their
// Options (Select by default), so tests can answer for the user.
type Selector func(title string, options []string) (int, error)

// ErrCancelled means the user left a prompt without choosing (exit 2: nothing was done).
var ErrCancelled = &UsageError{Err: errors.New("cancelled: nothing was chosen")}

// Select is the Selector of a terminal: charmbracelet/huh's select list on stderr (arrow keys, /
// to filter), or, with accessible set (ACCESSIBLE in the environment, as huh's own programs read it), a
// numbered list read line by line, which screen readers can follow. Only call it when CanPrompt.
func Select(ctx context.Context, ios *iostreams.IOStreams, accessible bool) Selector {
	return func(title string, options []string) (int, error) {
		choice := 0
		opts := make([]huh.Option[int], len(options))
		for i, o := range options {
			opts[i] = huh.NewOption(o, i)
		}
		err := huh.NewForm(huh.NewGroup(huh.NewSelect[int]().Title(title).Options(opts...).Value(&choice))).
			WithInput(ios.In).WithOutput(ios.ErrOut).WithAccessible(accessible).RunWithContext(ctx)
		if errors.Is(err, huh.ErrUserAborted) {
			return 0, ErrCancelled
		}
		return choice, err
	}
}
