package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// epoch is where the fake clock starts. Every object the fake creates moves the clock one second on, so
// created_at values are strictly increasing and tests can rely on ordering without sleeping.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Deployment is a snapshot of one deployment as the fake stores it.
type Deployment struct {
	ID               int64
	Ref              string
	SHA              string
	Task             string
	Environment      string // current environment (a status may change it)
	OriginalEnv      string // environment given at creation
	Description      string // "" when none was given (REST shows null)
	Payload          json.RawMessage
	AutoMerge        bool
	RequiredContexts []string // nil when omitted by the client (all contexts were checked)
	Transient        bool
	Production       bool
	Creator          string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Statuses         []Status // oldest first

	hasDescription bool
	refIsName      bool // created from a branch or tag name (GraphQL ref is then non-null)
}

// Status is a snapshot of one deployment status.
type Status struct {
	ID             int64
	State          string
	Description    string
	Environment    string
	LogURL         string
	EnvironmentURL string
	Creator        string
	CreatedAt      time.Time
}

// Repo is a repository of the fake. Its methods change the fake's state and are safe for concurrent use.
type Repo struct {
	s             *Server
	id            int64
	owner, name   string
	defaultBranch string
	branches      map[string]string
	tags          map[string]string
	commitStatus  map[string]map[string]string // sha -> context -> state
	behind        map[string]bool
	envs          []*environment
	deployments   []*Deployment      // oldest first
	commits       map[string]*Commit // by SHA (commits.go); nil until the first Commit
	gitDB         *gitStore          // git.go
	actions       *actionsState      // rest_actions.go
	pulls         []obj              // merged pull requests, oldest first (rest_pulls.go)
}

type environment struct {
	id        int64
	name      string
	createdAt time.Time
	updatedAt time.Time
}

type user struct {
	id    int64
	login string
	write bool
	app   bool // a GitHub App installation token (GITHUB_TOKEN in Actions): GET /user is refused
}

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.owner + "/" + r.name }

// AddBranch makes a branch resolvable as a ref (or moves it to sha).
func (r *Repo) AddBranch(name, sha string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.branches[name] = strings.ToLower(sha)
}

// AddTag makes a tag resolvable as a ref.
func (r *Repo) AddTag(name, sha string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.tags[name] = strings.ToLower(sha)
}

// Branch returns the SHA a branch points at, or "".
func (r *Repo) Branch(name string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.branches[name]
}

// SetCommitStatus sets a commit status context (state "success", "failure", "error" or "pending") on a SHA.
// sha may also be a branch or tag name. Creating a deployment checks these contexts.
func (r *Repo) SetCommitStatus(sha, context, state string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if full, ok := r.resolveRef(sha); ok {
		sha = full
	}
	m := r.commitStatus[sha]
	if m == nil {
		m = map[string]string{}
		r.commitStatus[sha] = m
	}
	m[context] = state
}

// SetBehind marks a branch as behind the default branch: the next create with auto_merge=true on it answers
// 202 (GitHub merged the default branch into it) and creates nothing; the branch then points at the merge commit.
func (r *Repo) SetBehind(branch string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.behind[branch] = true
}

// resolveRef turns a branch, tag or hex SHA into a full SHA. Caller holds s.mu.
func (r *Repo) resolveRef(ref string) (string, bool) {
	if sha, ok := r.branches[ref]; ok {
		return sha, true
	}
	if sha, ok := r.tags[ref]; ok {
		return sha, true
	}
	if !isHexSHA(ref) {
		return "", false
	}
	ref = strings.ToLower(ref)
	if len(ref) == 40 {
		return ref, true
	}
	for _, m := range []map[string]string{r.branches, r.tags} {
		for _, sha := range m {
			if strings.HasPrefix(sha, ref) {
				return sha, true
			}
		}
	}
	if sha, ok := r.commitByPrefix(ref); ok {
		return sha, true
	}
	// An abbreviated SHA of a commit the fake does not know: expand it deterministically, keeping the prefix.
	return (ref + fakeSHA("expand", ref))[:40], true
}

func (r *Repo) isNamedRef(ref string) bool {
	_, b := r.branches[ref]
	_, t := r.tags[ref]
	return b || t
}

func isHexSHA(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func fakeSHA(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

// env returns the environment by name, creating it. Caller holds s.mu.
func (r *Repo) env(name string) *environment {
	for _, e := range r.envs {
		if e.name == name {
			return e
		}
	}
	r.s.nextEnvID++
	now := r.s.tick()
	e := &environment{id: r.s.nextEnvID, name: name, createdAt: now, updatedAt: now}
	r.envs = append(r.envs, e)
	return e
}

func (r *Repo) findEnv(name string) *environment {
	for _, e := range r.envs {
		if e.name == name {
			return e
		}
	}
	return nil
}

func (r *Repo) deployment(id int64) *Deployment {
	for _, d := range r.deployments {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// latestState is the state of a deployment's newest status, or "".
func (d *Deployment) latestState() string {
	if len(d.Statuses) == 0 {
		return ""
	}
	return d.Statuses[len(d.Statuses)-1].State
}

func (d *Deployment) clone() Deployment {
	c := *d
	c.Payload = append(json.RawMessage(nil), d.Payload...)
	c.RequiredContexts = append([]string(nil), d.RequiredContexts...)
	if d.RequiredContexts != nil && c.RequiredContexts == nil {
		c.RequiredContexts = []string{}
	}
	c.Statuses = append([]Status(nil), d.Statuses...)
	return c
}

// tick advances the fake clock by one second and returns the new time. Caller holds s.mu.
func (s *Server) tick() time.Time {
	s.clock = s.clock.Add(time.Second)
	return s.clock
}

// AddRepo creates a repository (or returns the existing one) with a default branch at a made-up SHA.
func (s *Server) AddRepo(fullName, defaultBranch string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addRepoLocked(fullName, defaultBranch)
}

func (s *Server) addRepoLocked(fullName, defaultBranch string) *Repo {
	key := strings.ToLower(fullName)
	if r, ok := s.repos[key]; ok {
		return r
	}
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" {
		panic(fmt.Sprintf("githubtest: repository name %q is not owner/name", fullName))
	}
	s.nextRepoID++
	r := &Repo{
		s: s, id: s.nextRepoID, owner: owner, name: name, defaultBranch: defaultBranch,
		branches:     map[string]string{defaultBranch: fakeSHA(fullName, defaultBranch)},
		tags:         map[string]string{},
		commitStatus: map[string]map[string]string{},
		behind:       map[string]bool{},
	}
	s.repos[key] = r
	return r
}

// Repo returns a repository added before, or nil.
func (s *Server) Repo(fullName string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[strings.ToLower(fullName)]
}

func (s *Server) repo(owner, name string) *Repo { return s.repos[strings.ToLower(owner+"/"+name)] }

// createDeploymentLocked stores a new deployment. Caller holds s.mu.
func (s *Server) createDeploymentLocked(r *Repo, d *Deployment) *Deployment {
	s.nextDeploymentID++
	d.ID = s.nextDeploymentID
	d.CreatedAt = s.tick()
	d.UpdatedAt = d.CreatedAt
	r.env(d.Environment)
	r.deployments = append(r.deployments, d)
	return d
}

// addStatusLocked stores a new status, moving the deployment's environment if the status names another one.
// Caller holds s.mu.
func (s *Server) addStatusLocked(r *Repo, d *Deployment, st Status) Status {
	s.nextStatusID++
	st.ID = s.nextStatusID
	st.CreatedAt = s.tick()
	if st.Environment == "" {
		st.Environment = d.Environment
	}
	if st.Environment != d.Environment {
		d.Environment = st.Environment
		r.env(st.Environment)
	}
	d.Statuses = append(d.Statuses, st)
	d.UpdatedAt = st.CreatedAt
	return st
}

// SeedDeployments creates n deployments of the default branch in repo (cycling through env, default
// "production"), each with one success status, created_at increasing. It emits no webhook events.
func (s *Server) SeedDeployments(repo string, n int, env ...string) {
	if len(env) == 0 {
		env = []string{"production"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(repo)]
	if r == nil {
		r = s.addRepoLocked(repo, "main")
	}
	for i := 0; i < n; i++ {
		e := env[i%len(env)]
		d := s.createDeploymentLocked(r, &Deployment{
			Ref: r.defaultBranch, SHA: r.branches[r.defaultBranch], Task: "deploy", Environment: e, OriginalEnv: e,
			Payload: json.RawMessage(`{}`), AutoMerge: true, Production: e == "production",
			Creator: s.users[DefaultToken].login, refIsName: true,
			Description: fmt.Sprintf("seeded deployment %d", i+1), hasDescription: true,
		})
		s.addStatusLocked(r, d, Status{State: "success", Creator: d.Creator})
	}
}

// Deployments returns a snapshot of the repository's deployments, oldest first.
func (s *Server) Deployments(repo string) []Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(repo)]
	if r == nil {
		return nil
	}
	out := make([]Deployment, 0, len(r.deployments))
	for _, d := range r.deployments {
		out = append(out, d.clone())
	}
	return out
}

// contextsFailing lists the required contexts on sha that are not success, sorted. Caller holds s.mu.
func (r *Repo) contextsFailing(sha string, required []string) []map[string]string {
	have := r.commitStatus[sha]
	if required == nil {
		for c := range have {
			required = append(required, c)
		}
	}
	sort.Strings(required)
	var bad []map[string]string
	for _, c := range required {
		st, ok := have[c]
		if !ok {
			st = "missing"
		}
		if st != "success" {
			bad = append(bad, map[string]string{"context": c, "state": st})
		}
	}
	return bad
}
