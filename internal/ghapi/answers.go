package ghapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// answerCheck sits just inside the token guard and turns answers that are
// not GitHub's into errors that say so: a transport failure (connection
// refused, no answer in time) becomes a *NetworkError naming the API and
// where its URL came from; an HTML page with a 2xx status (a proxy, a
// captive portal, a wrong GITHUB_API_URL) becomes a *NotAPIError instead of
// a JSON parser's complaint; and a 401 learns where the token came from, for
// its hint.
type answerCheck struct {
	target  Target
	timeout time.Duration // per try, for messages
	next    http.RoundTripper
}

// Response headers answerCheck adds for withHint (never sent anywhere).
const (
	hintTokenSource = "X-Deployctl-Token-Source"
	hintAPIFromEnv  = "X-Deployctl-Api-Url-From-Env"
)

func (a *answerCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if err != nil {
		return nil, &NetworkError{Method: req.Method, URL: hostURL(req.URL), FromEnv: a.target.APIURLFromEnv, Timeout: a.timeout, Err: err}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		resp.Header.Set(hintTokenSource, a.target.TokenSource)
		if a.target.APIURLFromEnv {
			resp.Header.Set(hintAPIFromEnv, "1")
		}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 && resp.StatusCode != http.StatusNoContent && isHTML(resp.Header) {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		resp.Body.Close()
		return nil, &NotAPIError{Method: req.Method, URL: hostURL(req.URL), Path: req.URL.Path, StatusCode: resp.StatusCode,
			FromEnv: a.target.APIURLFromEnv}
	}
	return resp, nil
}

func isHTML(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/html"
}

// hostURL is scheme://host of u: never a path's IDs or a query.
func hostURL(u *url.URL) string { return u.Scheme + "://" + u.Host }

// NetworkError is a request that got no answer from GitHub at all.
type NetworkError struct {
	Method  string
	URL     string // scheme://host
	FromEnv bool   // the API URL came from GITHUB_API_URL
	// Timeout is the deadline of each try, when there was one.
	Timeout time.Duration
	Err     error
}

func (e *NetworkError) Error() string {
	var b strings.Builder
	cause := e.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err
	}
	var op *net.OpError
	if errors.As(cause, &op) && op.Err != nil {
		cause = op.Err // "connect: connection refused", without the address again
	}
	switch {
	case errors.Is(cause, context.Canceled):
		return "interrupted"
	case (errors.Is(cause, context.DeadlineExceeded) || isTimeout(cause)) && e.Timeout > 0:
		fmt.Fprintf(&b, "no answer from %s within %s (--http-timeout, DEPLOYCTL_HTTP_TIMEOUT)", e.URL, e.Timeout)
	case errors.Is(cause, context.DeadlineExceeded) || isTimeout(cause):
		fmt.Fprintf(&b, "no answer from %s in time", e.URL)
	default:
		fmt.Fprintf(&b, "cannot reach %s: %v", e.URL, cause)
	}
	switch {
	case e.FromEnv:
		fmt.Fprintf(&b, "\nCheck GITHUB_API_URL (it points there) and that the server is up.")
	default:
		fmt.Fprintf(&b, "\nCheck your network connection, or GH_HOST / the host in --repo.")
	}
	return b.String()
}

func (e *NetworkError) Unwrap() error { return e.Err }

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// NotAPIError is a success status with an HTML page: not GitHub's API.
type NotAPIError struct {
	Method, URL, Path string
	StatusCode        int
	FromEnv           bool
}

func (e *NotAPIError) Error() string {
	msg := fmt.Sprintf("%s answered HTTP %d with an HTML page, not GitHub's JSON [%s %s]", e.URL, e.StatusCode, e.Method, e.Path)
	if e.FromEnv {
		return msg + "\nCheck GITHUB_API_URL: it should be the API's base URL (https://HOST/api/v3 on GitHub Enterprise Server)."
	}
	return msg + "\nA proxy or a login page may be in the way; check GH_HOST and your network."
}

// resetTime is when the primary rate limit resets, as a user reads it.
func resetTime(epoch int64, now time.Time) string {
	t := time.Unix(epoch, 0).UTC()
	in := t.Sub(now).Round(time.Second)
	if in < 0 {
		in = 0
	}
	return fmt.Sprintf("%s (in %s)", t.Format("15:04:05 UTC"), in)
}
