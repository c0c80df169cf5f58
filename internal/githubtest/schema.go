package githubtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// graphqlPrelude completes GitHub's schema excerpt (deployments.graphql) so it loads on its own: the scalars,
// interfaces and small types the excerpt refers to, with the fields deployctl may reasonably ask for, as named
// in GitHub's full schema. Repository gets the fields its interfaces require.
const graphqlPrelude = `
scalar GitObjectID
scalar GitTimestamp
scalar HTML

interface Actor {
  avatarUrl(size: Int): URI!
  login: String!
  resourcePath: URI!
  url: URI!
}
interface RepositoryOwner {
  id: ID!
  login: String!
  url: URI!
  resourcePath: URI!
}
interface PackageOwner { id: ID! }
interface ProjectOwner { id: ID! }
interface ProjectV2Recent { id: ID! }
interface RepositoryInfo {
  name: String!
  nameWithOwner: String!
  description: String
  url: URI!
  createdAt: DateTime!
  isPrivate: Boolean!
  owner: RepositoryOwner!
}
interface Starrable { id: ID! stargazerCount: Int! }
interface Subscribable { id: ID! viewerCanSubscribe: Boolean! }
interface UniformResourceLocatable { resourcePath: URI! url: URI! }

extend type Repository {
  id: ID!
  databaseId: Int
  name: String!
  nameWithOwner: String!
  description: String
  url: URI!
  resourcePath: URI!
  createdAt: DateTime!
  isPrivate: Boolean!
  owner: RepositoryOwner!
  stargazerCount: Int!
  viewerCanSubscribe: Boolean!
  defaultBranchRef: Ref
}

type User implements Node & Actor & RepositoryOwner {
  id: ID!
  databaseId: Int
  login: String!
  name: String
  avatarUrl(size: Int): URI!
  resourcePath: URI!
  url: URI!
}
type Bot implements Node & Actor {
  id: ID!
  databaseId: Int
  login: String!
  avatarUrl(size: Int): URI!
  resourcePath: URI!
  url: URI!
}
type Organization implements Node & Actor & RepositoryOwner {
  id: ID!
  databaseId: Int
  login: String!
  name: String
  avatarUrl(size: Int): URI!
  resourcePath: URI!
  url: URI!
}
type App implements Node {
  id: ID!
  databaseId: Int
  name: String!
  slug: String!
}
type Commit implements Node {
  id: ID!
  oid: GitObjectID!
  abbreviatedOid: String!
  message: String!
  committedDate: DateTime!
  url: URI!
}
type Ref implements Node {
  id: ID!
  name: String!
  prefix: String!
  target: Commit
}
`

// LoadGraphQLSchema loads GitHub's schema excerpt from dir/deployments.graphql, completed by a small prelude,
// and dir/environments.graphql when it is there (else stand-ins for the types it defines; see
// graphql_environments.go).
func LoadGraphQLSchema(dir string) (*ast.Schema, error) {
	name := filepath.Join(dir, GraphQLFile)
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", GraphQLFile, err)
	}
	sources := []*ast.Source{{Name: "githubtest-prelude.graphql", Input: graphqlPrelude}}
	sources = append(sources, environmentSources(dir)...)
	sources = append(sources, &ast.Source{Name: "githubtest-git.graphql", Input: gitGraphQLPrelude})
	sources = append(sources, &ast.Source{Name: name, Input: string(b)})
	schema, gerr := gqlparser.LoadSchema(sources...)
	if gerr != nil {
		return nil, fmt.Errorf("load %s: %w", GraphQLFile, gerr)
	}
	return schema, nil
}

// ValidateQuery checks a GraphQL document (query text) against schema, as GitHub's server would before running it.
func ValidateQuery(schema *ast.Schema, query string) error {
	doc, err := parser.ParseQuery(&ast.Source{Name: "query", Input: query})
	if err != nil {
		return err
	}
	if list := validateDoc(schema, doc); len(list) > 0 {
		return joinGQLErrors(list)
	}
	return nil
}

func validateDoc(schema *ast.Schema, doc *ast.QueryDocument) gqlerror.List {
	return validator.ValidateWithRules(schema, doc, nil)
}

func joinGQLErrors(list gqlerror.List) error {
	msgs := make([]string, 0, len(list))
	for _, e := range list {
		msgs = append(msgs, e.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}
