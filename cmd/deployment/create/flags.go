package create

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Flags are create's deployment flags. run, promote and rollback add the
// same flags (AddFlags), check them the same way (Check, in RunE) and build
// the same request (Request), so the rules exist once.
type Flags struct {
	Ref              string
	Environment      string
	Task             string
	Description      string
	Payload          string
	AutoMerge        bool
	RequiredContexts []string
	SkipChecks       bool
	// IgnoreLock deploys to a locked environment (Admit).
	IgnoreLock bool
	// Transient and Production are nil unless the flag was given: only
	// then are they sent.
	Transient  *bool
	Production *bool
	// CurrentBranch is the ref used when neither --ref nor GITHUB_SHA is set.
	CurrentBranch func() (string, error)
	// Terminal, when set, is where --payload - may be read from: then a
	// read of a terminal is announced on stderr.
	Terminal *iostreams.IOStreams

	transient, production bool
	// cmd is the command the flags belong to: its context (Ctrl-C) ends a
	// read of --payload - that waits on a terminal.
	cmd *cobra.Command
}

// Flag names a command may leave out of AddFlags (promote and rollback pick
// the ref and the environment themselves).
const (
	FlagRef         = "ref"
	FlagEnvironment = "environment"
)

// AddFlags adds create's flags to c, except those named in omit.
func (fl *Flags) AddFlags(c *cobra.Command, omit ...string) {
	fl.cmd = c
	if fl.CurrentBranch == nil {
		fl.CurrentBranch = gitCurrentBranch
	}
	fs := c.Flags()
	if !slices.Contains(omit, FlagRef) {
		fs.StringVar(&fl.Ref, FlagRef, "", "The `ref` to deploy: a branch, tag or SHA (default: GITHUB_SHA in Actions, else the current branch)")
	}
	if !slices.Contains(omit, FlagEnvironment) {
		fs.StringVarP(&fl.Environment, FlagEnvironment, "e", "production", "Target `environment`")
	}
	fs.StringVar(&fl.Task, "task", "deploy", "The `task` to run, e.g. deploy or deploy:migrations")
	fs.StringVarP(&fl.Description, "description", "d", "", "Short `description` of the deployment (empty: none)")
	fs.StringVar(&fl.Payload, "payload", "", "Extra `JSON` for the deployment system (@FILE reads a file, - reads stdin)")
	fs.BoolVar(&fl.AutoMerge, "auto-merge", false, "Let GitHub merge the default branch into the ref before deploying")
	fs.StringSliceVar(&fl.RequiredContexts, "required-contexts", nil, "Status `contexts` that must pass (default: all)")
	fs.BoolVar(&fl.SkipChecks, "skip-checks", false, "Deploy without checking commit statuses (sends required_contexts: [])")
	fs.BoolVar(&fl.transient, "transient", false, "Mark the environment as transient (sent only when given)")
	fs.BoolVar(&fl.production, "production", false, "Mark the environment as a production environment (sent only when given)")
	fs.BoolVar(&fl.IgnoreLock, "ignore-lock", false, "Deploy even if someone else locked the environment (deployctl lock, branch-deploy's .lock)")
	cmdutil.AllowEmpty(c, "description")
}

// Check settles the flags of c after parsing (and after the config layer):
// it belongs in RunE, before runF, so a flags test sees every usage error.
func (fl *Flags) Check(c *cobra.Command) error {
	if c.Flags().Changed("transient") {
		fl.Transient = &fl.transient
	}
	if c.Flags().Changed("production") {
		fl.Production = &fl.production
	}
	if fl.SkipChecks && c.Flags().Changed("required-contexts") {
		// One given on the command line (or in the environment)
		// overrides the other's default from the config file.
		switch skip, contexts := cmdutil.FlagSource(c, "skip-checks"), cmdutil.FlagSource(c, "required-contexts"); {
		case skip > contexts:
			fl.RequiredContexts = nil
		case contexts > skip:
			fl.SkipChecks = false
		default:
			return cmdutil.Usagef("specify only one of `--skip-checks` or `--required-contexts`")
		}
	}
	return nil
}

// Request turns the flags into a deployment request; every problem is a
// usage error found before anything is sent. stdin serves --payload -.
func (fl *Flags) Request(getenv func(string) string, stdin io.Reader) (deploy.CreateRequest, error) {
	req, err := fl.request(stdin)
	if err != nil {
		return req, err
	}
	if req.Ref == "" {
		ref, err := defaultRef(getenv, fl.CurrentBranch)
		if err != nil {
			return req, err
		}
		req.Ref = ref
	}
	if err := req.Validate(); err != nil {
		return req, &cmdutil.UsageError{Err: err}
	}
	return req, nil
}

// PinnedRequest is Request for promote and rollback, which pick the ref
// (a SHA) and the environment themselves: both are left empty.
func (fl *Flags) PinnedRequest(stdin io.Reader) (deploy.CreateRequest, error) {
	return fl.request(stdin)
}

func (fl *Flags) request(stdin io.Reader) (deploy.CreateRequest, error) {
	req := deploy.CreateRequest{
		Ref:         fl.Ref,
		Task:        fl.Task,
		Environment: fl.Environment,
		Description: fl.Description,
		AutoMerge:   fl.AutoMerge,
		Transient:   fl.Transient,
		Production:  fl.Production,
	}
	switch {
	case fl.SkipChecks:
		req.RequiredContexts = &[]string{}
	case fl.RequiredContexts != nil:
		req.RequiredContexts = &fl.RequiredContexts
	}
	if fl.Payload != "" {
		ctx := context.Background()
		if fl.cmd != nil {
			ctx = cmdutil.ContextOf(fl.cmd)
		}
		var notice func()
		if fl.Terminal != nil && stdin == fl.Terminal.In && fl.Terminal.IsStdinTTY() {
			notice = func() {
				fmt.Fprintln(fl.Terminal.ErrOut, "Reading the payload (--payload -) from stdin; end it with Ctrl-D.")
			}
		}
		p, err := readPayload(ctx, fl.Payload, stdin, notice)
		if ctx.Err() != nil {
			return req, context.Cause(ctx) // interrupted: not a usage error
		}
		if err != nil {
			return req, &cmdutil.UsageError{Err: err}
		}
		req.Payload = p
	}
	return req, nil
}

// readPayload reads --payload. For "-" it calls notice first (set when
// stdin is a terminal) and gives up when ctx is done: a read of a terminal
// cannot be interrupted, so it runs on its own.
func readPayload(ctx context.Context, arg string, stdin io.Reader, notice func()) (json.RawMessage, error) {
	var raw []byte
	var err error
	source := "--payload"
	switch {
	case arg == "-":
		if notice != nil {
			notice()
		}
		type result struct {
			b   []byte
			err error
		}
		done := make(chan result, 1)
		go func() {
			b, err := io.ReadAll(stdin)
			done <- result{b, err}
		}()
		select {
		case r := <-done:
			raw, err = r.b, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		source = "--payload from stdin"
	case strings.HasPrefix(arg, "@"):
		raw, err = os.ReadFile(arg[1:])
		source = "--payload file " + arg[1:]
	default:
		raw = []byte(arg)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", source, err)
	}
	switch v.(type) {
	case map[string]any, string:
	default:
		// GitHub takes an object or a string; anything else it refuses,
		// and only after the commit status checks.
		return nil, fmt.Errorf("%s must be a JSON object ({...}) or string, not %s", source, jsonKind(v))
	}
	compact, _ := json.Marshal(v)
	return compact, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array"
	}
	return "a JSON value"
}

// defaultRef is GITHUB_SHA inside GitHub Actions, else the current branch.
func defaultRef(getenv func(string) string, currentBranch func() (string, error)) (string, error) {
	if getenv("GITHUB_ACTIONS") == "true" && getenv("GITHUB_SHA") != "" {
		return getenv("GITHUB_SHA"), nil
	}
	if currentBranch != nil {
		if b, err := currentBranch(); err == nil && b != "" && b != "HEAD" {
			return b, nil
		}
	}
	return "", cmdutil.Usagef("no ref to deploy: pass --ref (there is no GITHUB_SHA and no current git branch)")
}

func gitCurrentBranch() (string, error) {
	out, err := exec.Command("git", "symbolic-ref", "--quiet", "--short", "HEAD").Output()
	return strings.TrimSpace(string(out)), err
}
