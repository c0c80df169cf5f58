package githubtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/vektah/gqlparser/v2/ast"
)

// This file checks the fake against GitHub's own API description: REST requests and answers against the
// OpenAPI document, GraphQL queries against the schema.

// OpenAPIFile and GraphQLFile are the files Options.SpecDir must hold.
const (
	OpenAPIFile = "deployments.openapi.json"
	GraphQLFile = "deployments.graphql"
)

// specHost is the server named in GitHub's description; requests are matched on their path only.
const specHost = "https://api.github.com"

type spec struct {
	router routers.Router
	schema *ast.Schema
	docs   *docsSpec // nil without DocsFile (docs.go)
}

func loadSpec(dir string) (*spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(dir, OpenAPIFile))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", OpenAPIFile, err)
	}
	doc.Servers = openapi3.Servers{{URL: specHost}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", OpenAPIFile, err)
	}
	schema, err := LoadGraphQLSchema(dir)
	if err != nil {
		return nil, err
	}
	docs, err := loadDocs(dir)
	if err != nil {
		return nil, err
	}
	return &spec{router: router, schema: schema, docs: docs}, nil
}

// check validates one REST exchange. A request that breaks the description is reported only when the fake
// accepted it (answered below 400): rejecting it is what GitHub does too.
func (sp *spec) check(method, path, rawQuery string, header http.Header, body []byte, rec *recorder) []string {
	u := specHost + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header = header.Clone()
	route, params, err := sp.router.FindRoute(req)
	if err != nil {
		if sp.docs != nil {
			v, _ := sp.docs.check(method, path, rec)
			return v
		}
		return nil // not an operation of the description (e.g. a 404 path)
	}
	ctx := context.Background()
	opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	var out []string
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && rec.status < 400 {
		out = append(out, "request accepted but invalid: "+oneLine(err))
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.status, Header: rec.header,
		Body: readCloser(rec.body.Bytes()), Options: opts,
	})
	if err != nil {
		out = append(out, fmt.Sprintf("response %d: %s", rec.status, oneLine(err)))
	}
	return out
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}
