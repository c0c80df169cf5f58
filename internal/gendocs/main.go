// Command gendocs writes deployctl's shell completion scripts (completions/)
// and man pages (man/man1/) from the command tree. The release build runs it
// in a before hook; completions/ is also committed, and a test fails when it
// is stale. Run it from the repository root:
//
//	go run ./internal/gendocs            # completions/ and man/
//	go generate ./internal/gendocs       # the same
//
// The output depends only on the command tree: the tree is built as plain
// "deployctl" with an empty environment, and man pages carry the date given
// by -date, else SOURCE_DATE_EPOCH, else a fixed one.
package main

//go:generate go run . -dir ../..

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/deployctl/gh-deployctl/cmd"
	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// fixedDate dates the man pages when no date is given, so that generating
// twice gives the same bytes.
var fixedDate = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// Completions names each shell's script, as the shells look for it.
var Completions = map[string]string{
	"bash":       "deployctl.bash",
	"zsh":        "_deployctl",
	"fish":       "deployctl.fish",
	"powershell": "deployctl.ps1",
}

func main() {
	dir := flag.String("dir", ".", "write completions/ and man/ under `DIR`")
	date := flag.String("date", "", "date of the man pages (YYYY-MM-DD or RFC 3339; default $SOURCE_DATE_EPOCH, else "+fixedDate.Format(time.DateOnly)+")")
	version := flag.String("version", "", "version named in the man pages' footer")
	only := flag.String("only", "", `generate only "completions" or "man"`)
	flag.Parse()

	d, err := manDate(*date, os.Getenv("SOURCE_DATE_EPOCH"))
	if err == nil && *only != "man" {
		err = WriteCompletions(filepath.Join(*dir, "completions"))
	}
	if err == nil && *only != "completions" {
		err = WriteMan(filepath.Join(*dir, "man", "man1"), d, *version)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func manDate(flagValue, epoch string) (time.Time, error) {
	switch {
	case flagValue != "":
		t, err := time.Parse(time.RFC3339, flagValue)
		if err != nil {
			t, err = time.Parse(time.DateOnly, flagValue)
		}
		if err == nil && t.IsZero() {
			// goreleaser's CommitDate when it has no git information.
			return fixedDate, nil
		}
		return t.UTC(), err
	case epoch != "":
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %v", err)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	return fixedDate, nil
}

// Root builds the command tree the way a user who installed the plain
// "deployctl" binary sees it, independent of this process's environment.
func Root() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios, cmdutil.BuildInfo{Version: "dev"})
	f.Executable = "deployctl"
	f.Getenv = func(string) string { return "" }
	return cmd.NewCmdRoot(f)
}

// WriteCompletions writes the four completion scripts into dir.
func WriteCompletions(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := Root()
	for shell, name := range Completions {
		var b bytes.Buffer
		if err := cmd.WriteCompletion(root, shell, true, &b); err != nil {
			return fmt.Errorf("%s completion: %w", shell, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteMan writes one man page per command into dir, replacing what was
// there, so pages of removed commands disappear.
func WriteMan(dir string, date time.Time, version string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := Root()
	prepareForMan(root)
	source := "deployctl"
	if version != "" {
		source += " " + version
	}
	return doc.GenManTree(root, &doc.GenManHeader{
		Section: "1",
		Date:    &date,
		Source:  source,
		Manual:  "deployctl manual",
	}, dir)
}

// prepareForMan drops cobra's "Auto generated ... on <today>" footer, which
// would make every run differ, and escapes the angle brackets of "<state>"
// and the like, which the Markdown step of cobra/doc takes for HTML and drops.
func prepareForMan(c *cobra.Command) {
	c.DisableAutoGenTag = true
	escape := strings.NewReplacer("<", `\<`, ">", `\>`)
	c.Use = escape.Replace(c.Use)
	c.Long = escape.Replace(c.Long)
	for _, sub := range c.Commands() {
		prepareForMan(sub)
	}
}
