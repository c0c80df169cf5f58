// Package trigger is `deployctl trigger`: send a listener a realistic,
// signed delivery, to test it without GitHub (as `stripe trigger` does).
package trigger

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/iostreams"
	"github.com/deployctl/gh-deployctl/internal/webhook"
)

// DefaultRepo is the repository deliveries name when neither -R nor the
// current directory gives one.
const DefaultRepo = "octo-org/hello-world"

// TriggerOptions are the inputs of `deployctl trigger`.
type TriggerOptions struct {
	Context context.Context
	IO      *iostreams.IOStreams
	Getenv  func(string) string
	// Repo resolves -R (or the current directory's repository).
	Repo func(flag string) (string, error)

	Event       string
	To          string
	Secret      string
	RepoFlag    string
	Ref         string
	Environment string
}

// NewCmdTrigger builds `deployctl trigger`.
func NewCmdTrigger(f *cmdutil.Factory, runF func(*TriggerOptions) error) *cobra.Command {
	opts := &TriggerOptions{Context: context.Background(), IO: f.IOStreams, Getenv: f.Getenv,
		Repo: func(flag string) (string, error) {
			r, err := f.Repo(flag)
			if err != nil {
				return "", err
			}
			return r.Owner + "/" + r.Name, nil
		}}
	c := &cobra.Command{
		Use:   "trigger <event> --to <url>",
		Short: "Send a listener a signed test delivery",
		Long: heredoc.Docf(`
			Send a delivery shaped like GitHub's to a listener (deployctl listen, or any
			webhook receiver), signed with X-Hub-Signature-256 as GitHub signs it, to test
			the listener without GitHub. Events: ping, pull_request (merged into the
			repository's default branch, from --ref), deployment and deployment_status
			(success) of a deployment of --ref to --environment.

			The secret is --secret, else DEPLOYCTL_WEBHOOK_SECRET (the variable listen
			reads); without either the delivery goes unsigned. The repository is -R, else
			the current directory's, else %s. Nothing is sent to GitHub, but
			the listener acts on the delivery: it calls GitHub about that repository.

			Prints the delivery's ID and the listener's answer; exits 1 unless the listener
			answered 2xx.
		`, DefaultRepo),
		Example: heredoc.Doc(`
			$ deployctl trigger ping --to http://127.0.0.1:4567/event_handler
			$ deployctl trigger deployment --to http://127.0.0.1:4567/event_handler -R octo/app -e staging --ref v1.2.0
			$ deployctl trigger pull_request --to https://deploy.example.com/event_handler --secret "$SECRET"
		`),
		ValidArgs: webhook.Events,
		Args: func(c *cobra.Command, args []string) error {
			if err := cmdutil.ExactArgs(1)(c, args); err != nil {
				return err
			}
			opts.Event = args[0]
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("to") {
				return cmdutil.Usagef("--to is required: the listener's webhook URL")
			}
			opts.Context = cmdutil.ContextOf(c)
			if runF != nil {
				return runF(opts)
			}
			return triggerRun(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.To, "to", "", "Send the delivery to `URL` (the listener's webhook URL)")
	fl.StringVar(&opts.Secret, "secret", "", "Sign with the webhook `secret` (also DEPLOYCTL_WEBHOOK_SECRET)")
	fl.StringVarP(&opts.RepoFlag, "repo", "R", "", "Name the repository `OWNER/REPO` in the delivery")
	fl.StringVar(&opts.Ref, "ref", "main", "The `branch` deployed (deployment, deployment_status) or merged (pull_request's head)")
	fl.StringVarP(&opts.Environment, "environment", "e", "production", "The deployment's `environment`")
	return c
}

func triggerRun(opts *TriggerOptions) error {
	known := false
	for _, e := range webhook.Events {
		known = known || e == opts.Event
	}
	if !known {
		return cmdutil.Usagef("unknown event %q: expected one of %s", opts.Event, strings.Join(webhook.Events, ", "))
	}
	u, err := url.Parse(opts.To)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cmdutil.Usagef("--to %q is not an http(s) URL", opts.To)
	}
	repo := DefaultRepo
	if opts.RepoFlag != "" {
		if repo, err = opts.Repo(opts.RepoFlag); err != nil {
			return err
		}
	} else if r, err := opts.Repo(""); err == nil {
		repo = r
	}
	secret := opts.Secret
	if secret == "" {
		secret = opts.Getenv("DEPLOYCTL_WEBHOOK_SECRET")
	}
	params := webhook.Params{Repo: repo, Ref: opts.Ref, Environment: opts.Environment}
	body, err := webhook.Build(opts.Event, params)
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	resp, err := webhook.Send(opts.Context, nil, webhook.Delivery{URL: opts.To, Event: opts.Event, Payload: body, Secret: secret})
	if err != nil {
		return err
	}
	answer := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(string(resp.Body), "\t", " "), "\n", " "))
	if len(answer) > 200 {
		answer = answer[:200] + "…"
	}
	ios := opts.IO
	if ios.IsStdoutTTY() {
		cs := ios.ColorScheme()
		mark := cs.SuccessIcon()
		if resp.StatusCode/100 != 2 {
			mark = cs.Red("X")
		}
		signed := "signed"
		if secret == "" {
			signed = "unsigned"
		}
		fmt.Fprintf(ios.Out, "%s Sent %s %s (%s, %s) to %s: %s %s\n", mark, opts.Event, resp.DeliveryID, repo, signed,
			opts.To, resp.Status, answer)
	} else {
		fmt.Fprintf(ios.Out, "%s\t%d\t%s\n", resp.DeliveryID, resp.StatusCode, answer)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the listener refused delivery %s: %s", resp.DeliveryID, resp.Status)
	}
	return nil
}
