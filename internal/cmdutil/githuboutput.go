package cmdutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// GitHubOutput is the step output file of GitHub Actions ($GITHUB_OUTPUT),
// or nothing outside Actions.
type GitHubOutput struct{ path string }

// NewGitHubOutput finds the step output file through getenv.
func NewGitHubOutput(getenv func(string) string) GitHubOutput {
	if getenv("GITHUB_ACTIONS") != "true" {
		return GitHubOutput{}
	}
	return GitHubOutput{path: getenv("GITHUB_OUTPUT")}
}

// Check makes sure Set will be able to append, before anything is sent: a
// write must not succeed at GitHub and then lose its ID to a bad path. It
// is a usage error (GITHUB_OUTPUT is the caller's input).
func (o GitHubOutput) Check() error {
	if o.path == "" {
		return nil
	}
	_, statErr := os.Stat(o.path)
	fh, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return Usagef("GITHUB_OUTPUT: %v", err)
	}
	fh.Close()
	if errors.Is(statErr, fs.ErrNotExist) {
		os.Remove(o.path) // leave no trace of the check
	}
	return nil
}

// Set appends key=value.
func (o GitHubOutput) Set(key, value string) error {
	if o.path == "" {
		return nil
	}
	fh, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write GITHUB_OUTPUT: %w", err)
	}
	_, err = fmt.Fprintf(fh, "%s=%s\n", key, value)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write GITHUB_OUTPUT: %w", err)
	}
	return nil
}

// AfterWrite reports err, a failure after GitHub accepted a write, so that
// the user learns what exists now ("created deployment 42 in octo/demo")
// and a script does not create it a second time.
func AfterWrite(created string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s, but then: %w", created, err)
}
