package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/ghapi"
)

// completionShells are the shells `deployctl completion` writes scripts for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion builds `deployctl completion <shell>`. The scripts only
// hold cobra's generic machinery: they ask the binary itself (its hidden
// __complete command) what to offer, so they stay valid as commands change.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	var noDesc bool
	c := &cobra.Command{
		Use:   "completion <bash|zsh|fish|powershell>",
		Short: "Print a shell completion script",
		Long: heredoc.Doc(`
			Print the script that lets your shell complete deployctl's commands, flags,
			deployment states, --json fields and, when a token and a repository are at
			hand, the repository's environments for -e/--environment.

			Release archives carry the scripts ready-made in completions/.

			Bash (needs the bash-completion package):
			  echo 'eval "$(deployctl completion bash)"' >> ~/.bashrc
			  # or, for all users: deployctl completion bash > /etc/bash_completion.d/deployctl

			Zsh:
			  deployctl completion zsh > "${fpath[1]}/_deployctl"
			  # completion must be on: autoload -U compinit && compinit in ~/.zshrc

			Fish:
			  deployctl completion fish > ~/.config/fish/completions/deployctl.fish

			PowerShell:
			  deployctl completion powershell | Out-String | Invoke-Expression
			  # add that line to $PROFILE to keep it

			As a gh extension, "gh deployctl" is completed by gh itself, which completes
			the extension's name but not its arguments.
		`),
		Example: heredoc.Doc(`
			$ deployctl completion bash > ~/.local/share/bash-completion/completions/deployctl
			$ deployctl completion zsh > "${fpath[1]}/_deployctl"
		`),
		ValidArgs:             completionShells,
		DisableFlagsInUseLine: true,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.ArgCountError(c, 1, 1, len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return WriteCompletion(c.Root(), args[0], !noDesc, f.IOStreams.Out)
		},
	}
	c.Flags().BoolVar(&noDesc, "no-descriptions", false, "Leave out the descriptions of completions")
	return c
}

// WriteCompletion writes root's completion script for shell.
func WriteCompletion(root *cobra.Command, shell string, descriptions bool, w interface{ Write([]byte) (int, error) }) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, descriptions)
	case "zsh":
		if descriptions {
			return root.GenZshCompletion(w)
		}
		return root.GenZshCompletionNoDesc(w)
	case "fish":
		return root.GenFishCompletion(w, descriptions)
	case "powershell":
		if descriptions {
			return root.GenPowerShellCompletionWithDesc(w)
		}
		return root.GenPowerShellCompletion(w)
	}
	return cmdutil.Usagef("unsupported shell %q: expected one of %s", shell, strings.Join(completionShells, ", "))
}

// completionTimeout bounds the API call behind a completion: a shell waits
// for it at every TAB.
const completionTimeout = 2 * time.Second

// addDynamicCompletions offers the repository's environments to every
// command with an -e/--environment flag, and for the arguments of those
// marked with cmdutil.EnvironmentArgs (promote, rollback).
func addDynamicCompletions(c *cobra.Command, f *cmdutil.Factory) {
	if c.LocalFlags().Lookup("environment") != nil {
		if _, ok := c.GetFlagCompletionFunc("environment"); !ok {
			_ = c.RegisterFlagCompletionFunc("environment", completeEnvironments(f))
		}
	}
	if n := cmdutil.EnvironmentArgCount(c); n > 0 && c.ValidArgsFunction == nil {
		envs := completeEnvironments(f)
		c.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) >= n {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return envs(c, args, toComplete)
		}
	}
	for _, sub := range c.Commands() {
		addDynamicCompletions(sub, f)
	}
}

// completeEnvironments lists the environments of the repository the command
// would act on. Without a repository, a token or the network it offers
// nothing and says nothing: a completion must never print errors or wait
// long.
func completeEnvironments(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		// __complete skips the pre-run hooks; flags from DEPLOYCTL_* and the
		// config file (a repo: default, say) still count.
		configFlag, _ := c.Flags().GetString("config")
		_ = applyConfig(c, f, configFlag, nil)
		repoFlag, _ := c.Flags().GetString("repo")

		ctx, cancel := context.WithTimeout(cmdutil.ContextOf(c), completionTimeout)
		defer cancel()
		names, err := environmentNames(ctx, f, repoFlag)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func environmentNames(ctx context.Context, f *cmdutil.Factory, repoFlag string) ([]string, error) {
	repo, err := f.Repo(repoFlag)
	if err != nil {
		return nil, err
	}
	t, err := ghapi.Resolve(repo.Host, f.Getenv)
	if err != nil {
		return nil, err
	}
	client, err := ghapi.NewClient(t, ghapi.ClientOptions{
		Transport: f.Transport,
		Getenv:    f.Getenv,
		Retry:     ghapi.RetryPolicy{Attempts: 1},
		UserAgent: "deployctl/" + f.Version.Version,
		Timeout:   completionTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("completion client: %w", err)
	}
	return deploy.Environments(ctx, client, repo)
}
