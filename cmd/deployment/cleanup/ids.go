package cleanup

import (
	"fmt"
	"strings"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
	"github.com/deployctl/gh-deployctl/internal/prune"
)

// ParseIDs reads deployment IDs (at least one; each once).
func ParseIDs(args []string) ([]int64, error) {
	if len(args) == 0 {
		return nil, cmdutil.Usagef("name at least one deployment ID")
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, a := range args {
		id, err := cmdutil.ParseID(a)
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// RunIDs is deactivate and delete: ask, read each deployment's state, then send only what it needs.
func (o *Options) RunIDs(ids []int64, del bool) error {
	repo, client, err := o.Connect()
	if err != nil {
		return err
	}
	verb := "Deactivate"
	if del {
		verb = "Delete"
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = fmt.Sprint(id)
	}
	noun := "deployment"
	if len(ids) > 1 {
		noun = "deployments"
	}
	if err := o.Ask(fmt.Sprintf("%s %s %s in %s/%s?", verb, noun, strings.Join(list, ", "), repo.Owner, repo.Name)); err != nil {
		return err
	}
	states, err := prune.States(o.Context, client, repo, ids)
	if err != nil {
		return err
	}
	items, runErr := o.Execute(&prune.Executor{Client: client, Repo: repo}, prune.ForIDs(ids, states, del))
	return o.Report(items, false, 0, runErr)
}
