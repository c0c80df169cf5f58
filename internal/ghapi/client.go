package ghapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cli/go-gh/v2/pkg/api"
	"github.com/google/go-github/v60/github"
)

// Client talks to one GitHub API with one token.
type Client struct {
	Target Target
	// HTTP adds the token (only for the API's own host), GitHub's headers,
	// GH_DEBUG logging and the retry policy.
	HTTP *http.Client
	// REST is go-github on HTTP, pointed at Target.RESTURL.
	REST *github.Client
	// Conditional remembers ETag'd answers; every GET through HTTP is sent
	// with If-None-Match when it holds one (see conditional.go).
	Conditional *ConditionalCache
}

// ClientOptions are the seams for tests and for the listener.
type ClientOptions struct {
	// Transport is the innermost round tripper (nil: http.DefaultTransport,
	// trusting SSL_CERT_FILE's roots besides the system's).
	Transport http.RoundTripper
	// Getenv reads SSL_CERT_FILE and GH_DEBUG (os.Getenv if nil).
	Getenv Env
	// DebugLog receives the GH_DEBUG request log (os.Stderr if nil).
	DebugLog io.Writer
	// Retry bounds retries of idempotent requests; the zero value is DefaultRetry.
	Retry RetryPolicy
	// UserAgent is sent on every request.
	UserAgent string
	// Timeout bounds each request, retries included (none if zero; with
	// RequestTimeout set, RequestTimeout + Retry.MaxWait).
	Timeout time.Duration
	// RequestTimeout bounds each try of a request, its answer's body
	// included: a server that accepts and never answers is an error, not
	// a hang (none if zero).
	RequestTimeout time.Duration
	// Conditional is the ETag cache GETs are revalidated against (nil: a
	// new one for this client). Share one to share what was learnt.
	Conditional *ConditionalCache
}

// NewClient builds the clients for t.
func NewClient(t Target, opts ClientOptions) (*Client, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Transport == nil {
		t, err := transportWithExtraRoots(opts.Getenv)
		if err != nil {
			return nil, err
		}
		opts.Transport = t
	}
	if opts.Retry.Attempts == 0 {
		opts.Retry = DefaultRetry
	}
	if opts.Timeout == 0 && opts.RequestTimeout > 0 {
		opts.Timeout = opts.RequestTimeout + opts.Retry.MaxWait
	}
	// The guard sits inside go-gh's header transport: go-gh compares hosts
	// without their port and also matches subdomains, so it would add the
	// token to ghe.example.com:8443 only by accident and to other hosts of
	// the same domain on purpose. The guard sets the token for exactly the
	// API's host:port and strips it from every other request.
	if opts.Conditional == nil {
		opts.Conditional = NewConditionalCache(0)
	}
	inner := &tokenGuard{
		token:   t.Token,
		allowed: map[string]bool{t.RESTURL.Host: true, t.GraphQLURL.Host: true},
		next: &answerCheck{target: t, timeout: opts.RequestTimeout, next: &conditionalTransport{
			cache: opts.Conditional,
			next:  &retryTransport{policy: opts.Retry, timeout: opts.RequestTimeout, next: opts.Transport},
		}},
	}
	headers := map[string]string{
		"Accept": "application/vnd.github+json",
	}
	if opts.UserAgent != "" {
		headers["User-Agent"] = opts.UserAgent
	}
	// GH_DEBUG as gh reads it, but through Getenv (go-gh would read the
	// process's environment).
	var debugLog io.Writer
	if d := opts.Getenv("GH_DEBUG"); d != "" && d != "0" && d != "false" && d != "no" {
		debugLog = opts.DebugLog
		if debugLog == nil {
			debugLog = os.Stderr
		}
	}
	hc, err := api.NewHTTPClient(api.ClientOptions{
		Log:            debugLog,
		LogIgnoreEnv:   true,
		LogVerboseHTTP: strings.Contains(opts.Getenv("GH_DEBUG"), "api"),
		Host:           t.RESTURL.Hostname(),
		AuthToken:      t.Token,
		Transport:      inner,
		Headers:        headers,
		Timeout:        opts.Timeout,
		// Redirects may lead anywhere; net/http drops Authorization on a
		// host change and the guard keeps it off, so following is safe.
	})
	if err != nil {
		return nil, err
	}
	rest := github.NewClient(hc)
	rest.BaseURL = t.RESTURL
	rest.UploadURL = t.RESTURL
	if opts.UserAgent != "" {
		rest.UserAgent = opts.UserAgent
	}
	return &Client{Target: t, HTTP: hc, REST: rest, Conditional: opts.Conditional}, nil
}

type tokenGuard struct {
	token   string
	allowed map[string]bool
	next    http.RoundTripper
}

func (g *tokenGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	want := ""
	if g.allowed[req.URL.Host] {
		want = "token " + g.token
	}
	if req.Header.Get("Authorization") == want {
		return g.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	if want == "" {
		req.Header.Del("Authorization")
	} else {
		req.Header.Set("Authorization", want)
	}
	return g.next.RoundTrip(req)
}

// GraphQLError is one entry of a GraphQL response's errors array.
type GraphQLError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Path    []any  `json:"path"`
}

// GraphQLErrors is the errors array of a response that had any.
type GraphQLErrors []GraphQLError

func (e GraphQLErrors) Error() string { return "GraphQL: " + e.messages() }

// NotFound reports whether GitHub said a requested object does not exist.
func (e GraphQLErrors) NotFound() bool { return e.has("NOT_FOUND") }

func (e GraphQLErrors) has(typ string) bool {
	for _, x := range e {
		if x.Type == typ {
			return true
		}
	}
	return false
}

func (e GraphQLErrors) messages() string {
	msgs := make([]string, len(e))
	for i, x := range e {
		msgs[i] = x.Message
	}
	return strings.Join(msgs, "; ")
}

// GraphQL runs a query (never a mutation: queries are retried like GETs) and
// decodes its data into out.
func (c *Client) GraphQL(ctx context.Context, query string, variables map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(withIdempotent(ctx), http.MethodPost, c.Target.GraphQLURL.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Wrap(err, "")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errorFromBody(resp, raw)
	}
	var envelope struct {
		Data   json.RawMessage `json:"data"`
		Errors GraphQLErrors   `json:"errors"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return fmt.Errorf("GraphQL: decode response: %w", err)
	}
	if len(envelope.Errors) > 0 {
		return envelope.Errors
	}
	return json.Unmarshal(envelope.Data, out)
}
