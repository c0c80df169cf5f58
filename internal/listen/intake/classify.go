package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/deployctl/gh-deployctl/internal/deploy"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// Rules decide which deliveries become work.
type Rules struct {
	// Base is a glob the merged pull request's base branch must match; ""
	// means the repository's default branch.
	Base string
	// CreateOnMerge creates a deployment for a merged pull request.
	CreateOnMerge bool
	// Exec is set when the listener runs deployments (--exec).
	Exec bool
	// EnvironmentFilter is a glob a deployment's environment must match to
	// be run here; "" means every environment.
	EnvironmentFilter string
}

// Validate reports a malformed glob.
func (r Rules) Validate() error {
	for name, g := range map[string]string{"--base": r.Base, "--environment-filter": r.EnvironmentFilter} {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("%s %q: %w", name, g, err)
		}
	}
	return nil
}

// RunsIn reports whether this listener runs deployments to environment
// (--environment-filter).
func (r Rules) RunsIn(environment string) bool {
	if r.EnvironmentFilter == "" {
		return true
	}
	ok, _ := path.Match(r.EnvironmentFilter, environment)
	return ok
}

// Action is what the listener does with a delivery.
type Action int

const (
	Ignore Action = iota // 202, nothing recorded
	Ping                 // 200
	Record               // recorded (deduplicated, logged), no work
	Work                 // recorded with a job
)

// Decision is the outcome of Classify.
type Decision struct {
	Action Action
	Job    *store.Job // for Work
	// Message says in a few words what the delivery is, for the log.
	Message string
	Attrs   []any
}

// ErrMalformed wraps every reason a payload is refused with 400.
var ErrMalformed = errors.New("malformed payload")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// isSHA reports a commit SHA: 40 or 64 hex digits.
func isSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

type repoJSON struct {
	FullName      string
	DefaultBranch string
}

func repoOf(v *fastjson.Value) repoJSON {
	return repoJSON{FullName: str(v, "repository", "full_name"), DefaultBranch: str(v, "repository", "default_branch")}
}

func (r *repoJSON) check() error {
	if !deploy.ValidFullName(r.FullName) {
		return malformed("repository.full_name %q is not OWNER/REPO", r.FullName)
	}
	return nil
}

// str is the string at keys, "" when absent, null or not a string.
func str(v *fastjson.Value, keys ...string) string { return string(v.GetStringBytes(keys...)) }

// parsers parse payloads once each, validating them: encoding/json would
// scan a 25 KB delivery twice and cost most of the intake's time.
var parsers fastjson.ParserPool

// maxValues bounds the JSON values of a payload that is parsed: a merged
// pull request holds about a thousand, and parsing costs memory for each
// (13 million small values in 25 MiB took 6 GB).
const maxValues = 100_000

// Classify decodes a verified payload and decides what to do with it.
func Classify(event string, payload []byte, rules Rules, now time.Time) (Decision, error) {
	switch event {
	case "ping", "pull_request", "deployment", "deployment_status":
	default:
		return Decision{Action: Ignore, Message: "ignored event", Attrs: []any{"event", event}}, nil
	}
	if countValues(payload, maxValues) > maxValues {
		return Decision{}, malformed("more than %d JSON values", maxValues)
	}
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(payload)
	if err != nil {
		return Decision{}, malformed("not JSON: %v", err)
	}
	if v.Type() != fastjson.TypeObject {
		return Decision{}, malformed("payload is not a JSON object")
	}
	switch event {
	case "ping":
		return Decision{Action: Ping, Message: "ping", Attrs: []any{"hook_id", v.GetInt64("hook_id"), "zen", str(v, "zen")}}, nil
	case "pull_request":
		return classifyPullRequest(v, rules, now)
	case "deployment":
		return classifyDeployment(v, payload, rules, now)
	default: // deployment_status
		return classifyDeploymentStatus(v)
	}
}

// countValues counts the JSON values in b, up to just past limit: an
// upper bound (every '[', '{', ',' and ':' outside strings, and one for
// the whole), in one pass, without parsing.
func countValues(b []byte, limit int) int {
	n := 1
	inString := false
	for i := 0; i < len(b) && n <= limit; i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == '[' || c == '{' || c == ',' || c == ':'):
			n++
		}
	}
	return n
}

// noNUL refuses a NUL in a decoded value: it cannot reach a command's
// environment, and GitHub never sends one.
func noNUL(values ...string) error {
	for _, s := range values {
		if strings.IndexByte(s, 0) >= 0 {
			return malformed("NUL character in a value")
		}
	}
	return nil
}

func classifyPullRequest(v *fastjson.Value, rules Rules, now time.Time) (Decision, error) {
	pr := v.Get("pull_request")
	if pr == nil || pr.Type() != fastjson.TypeObject {
		return Decision{}, malformed("pull_request event without pull_request")
	}
	repo := repoOf(v)
	number := pr.GetInt("number")
	if number == 0 {
		number = v.GetInt("number")
	}
	action := str(v, "action")
	attrs := []any{"repo", repo.FullName, "pr", number}
	if action != "closed" || !pr.GetBool("merged") {
		return Decision{Action: Ignore, Message: "pull request not merged", Attrs: append(attrs, "action", action)}, nil
	}
	if !rules.CreateOnMerge {
		return Decision{Action: Record, Message: "merged pull request (--no-create-on-merge)", Attrs: attrs}, nil
	}
	if err := repo.check(); err != nil {
		return Decision{}, err
	}
	headSHA, headRef, baseRef, author := str(pr, "head", "sha"), str(pr, "head", "ref"), str(pr, "base", "ref"), str(pr, "user", "login")
	if !isSHA(headSHA) {
		return Decision{}, malformed("pull_request.head.sha %q is not a commit SHA", headSHA)
	}
	if err := noNUL(headRef, baseRef, author); err != nil {
		return Decision{}, err
	}
	attrs = append(attrs, "base", baseRef)
	if rules.Base == "" {
		if baseRef == "" || baseRef != repo.DefaultBranch {
			return Decision{Action: Record, Message: "merged pull request not into the default branch", Attrs: attrs}, nil
		}
	} else if ok, _ := path.Match(rules.Base, baseRef); !ok {
		return Decision{Action: Record, Message: "merged pull request not into --base", Attrs: attrs}, nil
	}
	return Decision{
		Action:  Work,
		Message: "merged pull request",
		Attrs:   append(attrs, "sha", deploy.ShortSHA(headSHA), "author", author),
		Job: &store.Job{
			Kind: store.KindMerge, AcceptedAt: now, Progress: store.Progress{Phase: store.Pending},
			Merge: &store.Merge{
				Repo: repo.FullName, Number: number, HeadSHA: strings.ToLower(headSHA),
				HeadRef: headRef, BaseRef: baseRef, Author: author,
			},
		},
	}, nil
}

func classifyDeployment(v *fastjson.Value, rawJSON []byte, rules Rules, now time.Time) (Decision, error) {
	d := v.Get("deployment")
	if d == nil || d.Type() != fastjson.TypeObject || d.GetInt64("id") <= 0 {
		return Decision{}, malformed("deployment event without deployment.id")
	}
	repo := repoOf(v)
	if err := repo.check(); err != nil {
		return Decision{}, err
	}
	id, environment, ref := d.GetInt64("id"), str(d, "environment"), str(d, "ref")
	attrs := []any{"repo", repo.FullName, "deployment", id, "environment", environment, "ref", ref}
	if action := str(v, "action"); action != "" && action != "created" {
		return Decision{Action: Record, Message: "deployment " + action, Attrs: attrs}, nil
	}
	if !rules.Exec {
		return Decision{Action: Record, Message: "deployment received (no --exec: not run)", Attrs: attrs}, nil
	}
	if environment == "" {
		return Decision{}, malformed("deployment without environment")
	}
	if !rules.RunsIn(environment) {
		return Decision{Action: Record, Message: "deployment for another listener (--environment-filter)", Attrs: attrs}, nil
	}
	dep := &store.Deploy{
		ID: id, Repo: repo.FullName, Environment: environment, Ref: ref, SHA: str(d, "sha"), Task: str(d, "task"),
		Description: str(d, "description"), Creator: str(d, "creator", "login"),
	}
	if err := noNUL(dep.Environment, dep.Ref, dep.SHA, dep.Task, dep.Description, dep.Creator); err != nil {
		return Decision{}, err
	}
	payload, err := rawPayload(rawJSON)
	if err != nil {
		return Decision{}, err
	}
	dep.Payload = deploy.NormalizePayload(payload)
	return Decision{
		Action: Work, Message: "deployment received", Attrs: attrs,
		Job: &store.Job{Kind: store.KindDeploy, AcceptedAt: now, Deploy: dep, Progress: store.Progress{Phase: store.Pending}},
	}, nil
}

func classifyDeploymentStatus(v *fastjson.Value) (Decision, error) {
	ds, d := v.Get("deployment_status"), v.Get("deployment")
	if ds == nil || d == nil || ds.Type() != fastjson.TypeObject || d.Type() != fastjson.TypeObject {
		return Decision{}, malformed("deployment_status event without deployment_status and deployment")
	}
	id, state := d.GetInt64("id"), str(ds, "state")
	return Decision{
		Action:  Record,
		Message: fmt.Sprintf("Deployment status for %d is %s", id, state),
		Attrs: []any{"repo", str(v, "repository", "full_name"), "deployment", id, "state", state,
			"environment", str(ds, "environment")},
	}, nil
}

// rawPayload is deployment.payload as GitHub sent it, compacted: the JSON
// text reaches DEPLOY_PAYLOAD with its escapes as they were (a \u0000 stays
// six characters; fastjson would re-encode strings in Go's syntax, which is
// not JSON).
func rawPayload(body []byte) (json.RawMessage, error) {
	var ev struct {
		Deployment struct {
			Payload json.RawMessage `json:"payload"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, malformed("deployment payload: %v", err)
	}
	if len(ev.Deployment.Payload) == 0 {
		return nil, nil
	}
	var out bytes.Buffer
	if err := json.Compact(&out, ev.Deployment.Payload); err != nil {
		return nil, malformed("deployment payload: %v", err)
	}
	return out.Bytes(), nil
}
