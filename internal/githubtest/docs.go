package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// This file checks answers of operations that the OpenAPI excerpt does not hold (compare, git, contents,
// Actions runs, ...) against GitHub's REST docs data (DocsFile in Options.SpecDir, optional): the docs
// build's operation objects, whose code examples carry each answer's JSON Schema. An answer whose status has
// a schema there is validated against it; the rest is not checked.

// DocsFile is the REST docs data read from Options.SpecDir when present.
const DocsFile = "docs-rest-extra.2026-03-10.json"

type docsOp struct {
	method  string
	pattern *regexp.Regexp
	title   string
	raw     map[string]json.RawMessage // status -> the answer's schema, as in the file

	once    sync.Once
	schemas map[string]*jsonschema.Schema
	err     error
}

type docsSpec struct{ ops []*docsOp }

// The docs data is large; load it once per file for every server of a test binary.
var docsCache sync.Map // path -> *docsSpec or error

func loadDocs(dir string) (*docsSpec, error) {
	name := filepath.Join(dir, DocsFile)
	if v, ok := docsCache.Load(name); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*docsSpec), nil
	}
	d, err := parseDocs(name)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		docsCache.Store(name, err)
		return nil, err
	}
	docsCache.Store(name, d)
	return d, nil
}

func parseDocs(name string) (*docsSpec, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var file map[string]map[string][]struct {
		Verb        string `json:"verb"`
		RequestPath string `json:"requestPath"`
		Title       string `json:"title"`
		Parameters  []struct {
			Name  string `json:"name"`
			In    string `json:"in"`
			Multi bool   `json:"x-multi-segment"`
		} `json:"parameters"`
		CodeExamples []struct {
			Response struct {
				StatusCode string          `json:"statusCode"`
				Schema     json.RawMessage `json:"schema"`
			} `json:"response"`
		} `json:"codeExamples"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("load %s: %w", DocsFile, err)
	}
	d := &docsSpec{}
	for _, subs := range file {
		for _, ops := range subs {
			for _, o := range ops {
				multi := map[string]bool{}
				for _, p := range o.Parameters {
					// A git ref ("heads/main") always has a slash, though the git refs operations do
					// not mark {ref} multi-segment as commits/{ref} does.
					if p.In == "path" && (p.Multi || p.Name == "ref") {
						multi[p.Name] = true
					}
				}
				op := &docsOp{method: strings.ToUpper(o.Verb), title: o.Title, raw: map[string]json.RawMessage{}}
				op.pattern = regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllStringFunc(
					regexp.QuoteMeta(o.RequestPath), func(p string) string {
						if multi[strings.Trim(p, `\{}`)] {
							return `.+`
						}
						return `[^/]+`
					}) + "$")
				for _, ex := range o.CodeExamples {
					if len(ex.Response.Schema) > 0 {
						op.raw[ex.Response.StatusCode] = ex.Response.Schema
					}
				}
				d.ops = append(d.ops, op)
			}
		}
	}
	return d, nil
}

func (op *docsOp) compile() {
	op.schemas = map[string]*jsonschema.Schema{}
	for status, raw := range op.raw {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			op.err = err
			return
		}
		c := jsonschema.NewCompiler()
		loc := "docs:" + op.method + op.pattern.String() + ":" + status
		if err := c.AddResource(loc, doc); err != nil {
			op.err = err
			return
		}
		sch, err := c.Compile(loc)
		if err != nil {
			op.err = err
			return
		}
		op.schemas[status] = sch
	}
}

// check validates one answer; ok is false when the docs data has no such operation.
func (d *docsSpec) check(method, path string, rec *recorder) (violations []string, ok bool) {
	for _, op := range d.ops {
		if op.method != method || !op.pattern.MatchString(path) {
			continue
		}
		op.once.Do(op.compile)
		if op.err != nil {
			return []string{fmt.Sprintf("docs data for %q does not compile: %v", op.title, op.err)}, true
		}
		sch := op.schemas[fmt.Sprint(rec.status)]
		if sch == nil {
			return nil, true
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.body.Bytes()))
		if err != nil {
			return []string{fmt.Sprintf("response %d: not JSON: %v", rec.status, err)}, true
		}
		if err := sch.Validate(v); err != nil {
			return []string{fmt.Sprintf("response %d does not match the docs' %q: %s", rec.status, op.title, oneLine(err))}, true
		}
		return nil, true
	}
	return nil, false
}
