package githubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// This file is GitHub's GraphQL endpoint for deployments: the query is parsed (and, with a schema, validated)
// and its selection sets are resolved field by field against the fake's state.

type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Type       string         `json:"type,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Locations  []gqlLocation  `json:"locations,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// errUndefinedField marks errors GitHub finds before running a query: the answer then has no data at all.
var errUndefinedField = errors.New("undefined field")

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	body, _ := readAll(r)
	var req gqlRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", "https://docs.github.com/graphql")
		return
	}
	doc, err := parser.ParseQuery(&ast.Source{Name: "query", Input: req.Query})
	if err != nil {
		writeJSON(w, http.StatusOK, obj{"errors": gqlErrorsOf(err)})
		return
	}
	if s.spec != nil {
		if list := validateDoc(s.spec.schema, doc); len(list) > 0 {
			s.violation("POST %s: query does not match GitHub's GraphQL schema: %v", r.URL.Path, joinGQLErrors(list))
			writeJSON(w, http.StatusOK, obj{"errors": gqlErrorsOf(list)})
			return
		}
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil && req.OperationName == "" && len(doc.Operations) > 0 {
		op = doc.Operations[0]
	}
	if op == nil || op.Operation != ast.Query {
		writeJSON(w, http.StatusOK, obj{"errors": []gqlError{{Message: "Only queries are supported by this fake."}}})
		return
	}
	if s.spec != nil {
		var plain struct{ Variables map[string]any }
		_ = json.Unmarshal(body, &plain)
		if _, err := validator.VariableValues(s.spec.schema, op, plain.Variables); err != nil {
			s.violation("POST %s: variables do not match GitHub's GraphQL schema: %v", r.URL.Path, err)
			writeJSON(w, http.StatusOK, obj{"errors": gqlErrorsOf(err)})
			return
		}
	}
	vars := map[string]any{}
	for _, vd := range op.VariableDefinitions {
		if v, ok := req.Variables[vd.Variable]; ok {
			vars[vd.Variable] = v
		} else if vd.DefaultValue != nil {
			vars[vd.Variable], _ = vd.DefaultValue.Value(nil)
		}
	}

	s.mu.Lock()
	c := &gqlCtx{s: s, doc: doc, vars: vars, base: base(r), login: currentUser(r).login}
	data := c.object("Query", nil, op.SelectionSet, nil)
	s.mu.Unlock()

	out := obj{}
	if c.fatal {
		out["data"] = nil
	} else if !c.undefined {
		out["data"] = data
	}
	if len(c.errs) > 0 {
		out["errors"] = c.errs
	}
	writeJSON(w, http.StatusOK, out)
}

func gqlErrorsOf(err error) []gqlError {
	var list gqlerror.List
	var one *gqlerror.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = gqlerror.List{one}
	default:
		return []gqlError{{Message: err.Error()}}
	}
	out := make([]gqlError, 0, len(list))
	for _, e := range list {
		ge := gqlError{Message: e.Message, Extensions: e.Extensions}
		for _, l := range e.Locations {
			ge.Locations = append(ge.Locations, gqlLocation{l.Line, l.Column})
		}
		out = append(out, ge)
	}
	return out
}

type gqlCtx struct {
	s         *Server
	doc       *ast.QueryDocument
	vars      map[string]any
	base      string
	login     string
	errs      []gqlError
	fatal     bool // data becomes null
	undefined bool // a field does not exist: no data at all
}

// omap is a JSON object that keeps the query's field order.
type omap struct {
	keys []string
	vals map[string]any
}

func (m *omap) set(k string, v any) {
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

func (m *omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(m.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// actor is the Actor behind a REST login: a Bot for an app's "name[bot]".
func actor(login string) typed {
	if strings.HasSuffix(login, "[bot]") {
		return typed{"Bot", login}
	}
	return typed{"User", login}
}

// typed is a value of a GraphQL object type, still to be resolved against a selection set.
type typed struct {
	typ string
	v   any
}

// implements lists the interfaces each concrete type of the fake implements, for fragments on interfaces.
var implements = map[string][]string{
	"Repository":       {"Node", "RepositoryInfo", "PackageOwner", "ProjectOwner", "ProjectV2Recent", "Starrable", "Subscribable", "UniformResourceLocatable"},
	"User":             {"Node", "Actor", "RepositoryOwner"},
	"Bot":              {"Node", "Actor"},
	"Deployment":       {"Node"},
	"DeploymentStatus": {"Node"},
	"Commit":           {"Node"},
	"Ref":              {"Node"},
	"Environment":      {"Node"},
}

func (c *gqlCtx) collect(typ string, set ast.SelectionSet, out []*ast.Field) []*ast.Field {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			out = append(out, x)
		case *ast.InlineFragment:
			if x.TypeCondition == "" || x.TypeCondition == typ || slices.Contains(implements[typ], x.TypeCondition) {
				out = c.collect(typ, x.SelectionSet, out)
			}
		case *ast.FragmentSpread:
			if f := c.doc.Fragments.ForName(x.Name); f != nil &&
				(f.TypeCondition == typ || slices.Contains(implements[typ], f.TypeCondition)) {
				out = c.collect(typ, f.SelectionSet, out)
			}
		}
	}
	return out
}

func (c *gqlCtx) object(typ string, v any, set ast.SelectionSet, path []any) *omap {
	m := &omap{vals: map[string]any{}}
	for _, f := range c.collect(typ, set, nil) {
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		p := append(slices.Clone(path), key)
		val, err := c.field(typ, v, f)
		if err != nil {
			ge := gqlError{Message: err.Error(), Path: p}
			if f.Position != nil {
				ge.Locations = []gqlLocation{{f.Position.Line, f.Position.Column}}
			}
			var te typedErr
			if errors.As(err, &te) {
				ge.Type = te.typ
			}
			if errors.Is(err, errUndefinedField) {
				c.undefined = true
				ge.Message = fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.Name, typ)
				ge.Path = append([]any{"query"}, p...)
				ge.Extensions = map[string]any{"code": "undefinedField", "typeName": typ, "fieldName": f.Name}
			} else if !errors.As(err, &te) || te.fatal {
				c.fatal = true
			}
			c.errs = append(c.errs, ge)
			m.set(key, nil)
			continue
		}
		m.set(key, c.value(val, f.SelectionSet, p))
	}
	return m
}

func (c *gqlCtx) value(val any, set ast.SelectionSet, path []any) any {
	switch x := val.(type) {
	case typed:
		return c.object(x.typ, x.v, set, path)
	case []typed:
		out := make([]any, len(x))
		for i, t := range x {
			out[i] = c.object(t.typ, t.v, set, append(slices.Clone(path), i))
		}
		return out
	case []any: // a list whose entries may be null (nodes)
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = c.value(e, set, append(slices.Clone(path), i))
		}
		return out
	}
	return val
}

type typedErr struct {
	typ, msg string
	fatal    bool
}

func (e typedErr) Error() string { return e.msg }

func (c *gqlCtx) args(f *ast.Field) map[string]any {
	out := map[string]any{}
	for _, a := range f.Arguments {
		v, err := a.Value.Value(c.vars)
		if err == nil {
			out[a.Name] = v
		}
	}
	return out
}

// Values the resolvers work on.
type (
	depVal struct {
		r *Repo
		d *Deployment
	}
	statusVal struct {
		r  *Repo
		d  *Deployment
		st Status
	}
	connVal struct {
		nodes            []typed
		cursors          []string
		total            int
		hasNext, hasPrev bool
	}
	edgeVal struct {
		cursor string
		node   typed
	}
	refVal struct {
		r    *Repo
		name string
	}
)

func (c *gqlCtx) field(typ string, v any, f *ast.Field) (any, error) {
	if f.Name == "__typename" {
		return typ, nil
	}
	a := c.args(f)
	if val, handled, err := c.gitField(typ, v, f, a); handled {
		return val, err
	}
	switch typ {
	case "Query":
		switch f.Name {
		case "repository":
			owner, _ := a["owner"].(string)
			name, _ := a["name"].(string)
			r := c.s.repo(owner, name)
			if r == nil {
				return nil, typedErr{typ: "NOT_FOUND", msg: fmt.Sprintf("Could not resolve to a Repository with the name '%s/%s'.", owner, name)}
			}
			return typed{"Repository", r}, nil
		case "rateLimit":
			return typed{"RateLimit", nil}, nil
		case "viewer":
			return typed{"User", c.login}, nil
		case "node":
			id, _ := a["id"].(string)
			return c.s.nodeByID(id), nil
		case "nodes":
			ids, _ := a["ids"].([]any)
			if len(ids) > 100 {
				return nil, typedErr{typ: "EXCESSIVE_PAGINATION", msg: fmt.Sprintf("You may not request more than 100 node IDs; you requested %d.", len(ids)), fatal: true}
			}
			out := make([]any, len(ids))
			for i, id := range ids {
				s, _ := id.(string)
				if n := c.s.nodeByID(s); n != nil {
					out[i] = *n
				}
			}
			return out, nil
		}
	case "RateLimit":
		switch f.Name {
		case "cost":
			return 1, nil
		case "limit":
			return rateLimit, nil
		case "remaining":
			return rateLimit - c.s.rateUsed, nil
		case "used":
			return c.s.rateUsed, nil
		case "nodeCount":
			return 100, nil
		case "resetAt":
			return ts(time.Now().Add(time.Hour).Truncate(time.Second)), nil
		}
	case "Repository":
		r := v.(*Repo)
		switch f.Name {
		case "id":
			return nodeID("Repository", r.id), nil
		case "databaseId":
			return r.id, nil
		case "name":
			return r.name, nil
		case "nameWithOwner":
			return r.FullName(), nil
		case "description":
			return nil, nil
		case "url":
			return "https://github.com/" + r.FullName(), nil
		case "resourcePath":
			return "/" + r.FullName(), nil
		case "createdAt":
			return ts(epoch), nil
		case "isPrivate", "viewerCanSubscribe":
			return false, nil
		case "stargazerCount":
			return 0, nil
		case "owner":
			return typed{"User", r.owner}, nil
		case "defaultBranchRef":
			return typed{"Ref", refVal{r, r.defaultBranch}}, nil
		case "deployments":
			return c.deployments(r, a)
		}
	case "DeploymentConnection", "DeploymentStatusConnection", "EnvironmentConnection", "DeploymentProtectionRuleConnection":
		cv := v.(connVal)
		switch f.Name {
		case "totalCount":
			return cv.total, nil
		case "nodes":
			return cv.nodes, nil
		case "edges":
			edges := make([]typed, len(cv.nodes))
			edgeType := strings.TrimSuffix(typ, "Connection") + "Edge"
			for i := range cv.nodes {
				edges[i] = typed{edgeType, edgeVal{cv.cursors[i], cv.nodes[i]}}
			}
			return edges, nil
		case "pageInfo":
			return typed{"PageInfo", cv}, nil
		}
	case "DeploymentEdge", "DeploymentStatusEdge", "EnvironmentEdge", "DeploymentProtectionRuleEdge":
		ev := v.(edgeVal)
		switch f.Name {
		case "cursor":
			return ev.cursor, nil
		case "node":
			return ev.node, nil
		}
	case "PageInfo":
		cv := v.(connVal)
		switch f.Name {
		case "hasNextPage":
			return cv.hasNext, nil
		case "hasPreviousPage":
			return cv.hasPrev, nil
		case "startCursor", "endCursor":
			if len(cv.cursors) == 0 {
				return nil, nil
			}
			if f.Name == "startCursor" {
				return cv.cursors[0], nil
			}
			return cv.cursors[len(cv.cursors)-1], nil
		}
	case "Deployment":
		return c.deploymentField(v.(depVal), f, a)
	case "DeploymentStatus":
		return c.statusField(v.(statusVal), f)
	case "User":
		login := v.(string)
		var id int64
		c.s.forUser(login, func(u *user) { id = u.id })
		switch f.Name {
		case "login":
			return login, nil
		case "id":
			return nodeID("User", id), nil
		case "databaseId":
			return id, nil
		case "name":
			return nil, nil
		case "url":
			return "https://github.com/" + login, nil
		case "resourcePath":
			return "/" + login, nil
		case "avatarUrl":
			return "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4", nil
		}
	case "Bot":
		// GraphQL names an app's bot without the "[bot]" REST puts after it.
		login := v.(string)
		var id int64
		c.s.forUser(login, func(u *user) { id = u.id })
		name := strings.TrimSuffix(login, "[bot]")
		switch f.Name {
		case "login":
			return name, nil
		case "id":
			return nodeID("Bot", id), nil
		case "databaseId":
			return id, nil
		case "url":
			return "https://github.com/apps/" + name, nil
		case "resourcePath":
			return "/apps/" + name, nil
		case "avatarUrl":
			return "https://avatars.githubusercontent.com/in/" + strconv.FormatInt(id, 10) + "?v=4", nil
		}
	case "Ref":
		rv := v.(refVal)
		switch f.Name {
		case "name":
			return rv.name, nil
		case "prefix":
			if _, ok := rv.r.tags[rv.name]; ok {
				return "refs/tags/", nil
			}
			return "refs/heads/", nil
		case "id":
			return nodeID("Ref", rv.r.id), nil
		case "target":
			sha, _ := rv.r.resolveRef(rv.name)
			return typed{"Commit", sha}, nil
		}
	case "Commit":
		sha := v.(string)
		switch f.Name {
		case "oid":
			return sha, nil
		case "abbreviatedOid":
			return sha[:7], nil
		case "id":
			return base64.StdEncoding.EncodeToString([]byte("Commit:" + sha)), nil
		case "message":
			return "Commit " + sha[:7], nil
		case "committedDate":
			return ts(epoch), nil
		case "url":
			return "https://github.com/commit/" + sha, nil
		}
	}
	return c.moreField(typ, v, f, a) // graphql_environments.go
}

// deploymentState is GitHub's DeploymentState, derived from the latest status. Only the newest successful
// deployment of an environment is ACTIVE; a transient one set inactive is DESTROYED.
func deploymentState(r *Repo, d *Deployment) string {
	switch st := d.latestState(); st {
	case "":
		return "PENDING"
	case "success":
		for _, other := range slices.Backward(r.deployments) {
			if other.Environment == d.Environment && other.latestState() == "success" {
				if other == d {
					return "ACTIVE"
				}
				return "INACTIVE"
			}
		}
		return "ACTIVE"
	case "inactive":
		if d.Transient {
			return "DESTROYED"
		}
		return "INACTIVE"
	default:
		return strings.ToUpper(st)
	}
}

func (c *gqlCtx) deploymentField(dv depVal, f *ast.Field, a map[string]any) (any, error) {
	d := dv.d
	switch f.Name {
	case "id":
		return nodeID("Deployment", d.ID), nil
	case "databaseId":
		return d.ID, nil
	case "environment", "latestEnvironment":
		return d.Environment, nil
	case "originalEnvironment":
		return d.OriginalEnv, nil
	case "task":
		return d.Task, nil
	case "description":
		if !d.hasDescription {
			return nil, nil
		}
		return d.Description, nil
	case "payload":
		return string(payloadJSON(d.Payload)), nil
	case "commitOid":
		return d.SHA, nil
	case "commit":
		return typed{"Commit", d.SHA}, nil
	case "ref":
		if !d.refIsName {
			return nil, nil
		}
		return typed{"Ref", refVal{dv.r, d.Ref}}, nil
	case "state":
		return deploymentState(dv.r, d), nil
	case "createdAt":
		return ts(d.CreatedAt), nil
	case "updatedAt":
		return ts(d.UpdatedAt), nil
	case "creator":
		return actor(d.Creator), nil
	case "repository":
		return typed{"Repository", dv.r}, nil
	case "latestStatus":
		if len(d.Statuses) == 0 {
			return nil, nil
		}
		return typed{"DeploymentStatus", statusVal{dv.r, d, d.Statuses[len(d.Statuses)-1]}}, nil
	case "statuses":
		// Newest first, as REST lists them.
		var items []typed
		var ids []int64
		for _, st := range slices.Backward(d.Statuses) {
			items = append(items, typed{"DeploymentStatus", statusVal{dv.r, d, st}})
			ids = append(ids, st.ID)
		}
		return paginate("statuses", items, ids, a, false)
	}
	return nil, errUndefinedField
}

func (c *gqlCtx) statusField(sv statusVal, f *ast.Field) (any, error) {
	st := sv.st
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch f.Name {
	case "id":
		return nodeID("DeploymentStatus", st.ID), nil
	case "state":
		return strings.ToUpper(st.State), nil
	case "description":
		return nullable(st.Description), nil
	case "environment":
		return nullable(st.Environment), nil
	case "logUrl":
		return nullable(st.LogURL), nil
	case "environmentUrl":
		return nullable(st.EnvironmentURL), nil
	case "createdAt", "updatedAt":
		return ts(st.CreatedAt), nil
	case "creator":
		return actor(st.Creator), nil
	case "deployment":
		return typed{"Deployment", depVal{sv.r, sv.d}}, nil
	}
	return nil, errUndefinedField
}

func (c *gqlCtx) deployments(r *Repo, a map[string]any) (any, error) {
	desc := false
	if ob, ok := a["orderBy"].(map[string]any); ok {
		desc = fmt.Sprint(ob["direction"]) == "DESC"
	}
	var envs []string
	if list, ok := a["environments"].([]any); ok {
		for _, e := range list {
			envs = append(envs, fmt.Sprint(e))
		}
	}
	var items []typed
	var ids []int64
	for _, d := range r.deployments {
		if envs != nil && !slices.Contains(envs, d.Environment) {
			continue
		}
		items = append(items, typed{"Deployment", depVal{r, d}})
		ids = append(ids, d.ID)
	}
	if desc {
		slices.Reverse(items)
		slices.Reverse(ids)
	}
	return paginate("deployments", items, ids, a, true)
}

// paginate applies first/last/after/before to a list, with GitHub's limits and messages.
func paginate(conn string, items []typed, ids []int64, a map[string]any, required bool) (any, error) {
	first, hasFirst := toInt(a["first"])
	last, hasLast := toInt(a["last"])
	if required && !hasFirst && !hasLast {
		return nil, typedErr{msg: fmt.Sprintf("You must provide a `first` or `last` value to properly paginate the `%s` connection.", conn), fatal: true}
	}
	for _, x := range []struct {
		name string
		n    int
		set  bool
	}{{"first", first, hasFirst}, {"last", last, hasLast}} {
		if x.set && x.n > 100 {
			return nil, typedErr{msg: fmt.Sprintf("Requesting %d records on the `%s` connection exceeds the `%s` limit of 100 records.", x.n, conn, x.name), fatal: true}
		}
		if x.set && x.n < 0 {
			return nil, typedErr{msg: fmt.Sprintf("`%s` on the `%s` connection cannot be less than zero.", x.name, conn), fatal: true}
		}
	}
	start, end := 0, len(items)
	for _, x := range []struct {
		name  string
		after bool
	}{{"after", true}, {"before", false}} {
		cur, ok := a[x.name].(string)
		if !ok {
			continue
		}
		id, ok := decodeCursor(cur)
		i := slices.Index(ids, id)
		if !ok || i < 0 {
			return nil, typedErr{msg: fmt.Sprintf("`%s` does not appear to be a valid cursor.", cur), fatal: true}
		}
		if x.after {
			start = i + 1
		} else {
			end = i
		}
	}
	if end < start {
		end = start
	}
	if hasFirst && end-start > first {
		end = start + first
	}
	if hasLast && end-start > last {
		start = end - last
	}
	cv := connVal{total: len(items), hasNext: end < len(items), hasPrev: start > 0, nodes: items[start:end]}
	if cv.nodes == nil {
		cv.nodes = []typed{}
	}
	for _, id := range ids[start:end] {
		cv.cursors = append(cv.cursors, encodeCursor(id))
	}
	return typed{connTypes[conn], cv}, nil
}

var connTypes = map[string]string{
	"deployments": "DeploymentConnection", "statuses": "DeploymentStatusConnection",
	"environments": "EnvironmentConnection", "protectionRules": "DeploymentProtectionRuleConnection",
}

func encodeCursor(id int64) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:v2:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), "cursor:v2:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), true
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// nodeByID finds a deployment or deployment status by its global node ID (Query.node and Query.nodes); nil
// when there is none, as GitHub answers null. Caller holds s.mu.
func (s *Server) nodeByID(id string) *typed {
	for _, r := range s.repos {
		for _, d := range r.deployments {
			if nodeID("Deployment", d.ID) == id {
				return &typed{"Deployment", depVal{r, d}}
			}
			for _, st := range d.Statuses {
				if nodeID("DeploymentStatus", st.ID) == id {
					return &typed{"DeploymentStatus", statusVal{r, d, st}}
				}
			}
		}
	}
	return nil
}
