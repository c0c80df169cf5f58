package ghapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func ghError(code int, msg string, header http.Header) error {
	return ghErrorAt("https://api.github.com/repos/o/r/deployments?per_page=100", code, msg, header)
}

func ghErrorAt(rawURL string, code int, msg string, header http.Header) error {
	u, _ := url.Parse(rawURL)
	if header == nil {
		header = http.Header{}
	}
	return &github.ErrorResponse{
		Response: &http.Response{StatusCode: code, Header: header, Request: &http.Request{Method: "POST", URL: u}},
		Message:  msg,
	}
}

func TestWrapExplains(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"401", ghError(401, "Bad credentials", nil), []string{"HTTP 401: Bad credentials", "gh auth login`, or set GH_TOKEN"}},
		{"401 on GHES", ghErrorAt("https://ghe.example.com:8443/api/v3/repos/o/r/deployments", 401, "Bad credentials", nil),
			[]string{"HTTP 401: Bad credentials", "gh auth login --hostname ghe.example.com:8443", "GH_ENTERPRISE_TOKEN"}},
		{"401 on GHE.com", ghErrorAt("https://api.octo.ghe.com/repos/o/r/deployments", 401, "Bad credentials", nil),
			[]string{"gh auth login --hostname octo.ghe.com"}},
		{"403 integration", ghError(403, "Resource not accessible by integration", nil),
			[]string{"Resource not accessible by integration", "Deployments: read and write", "repo_deployment", "deployments: write"}},
		{"404", ghError(404, "Not Found", nil), []string{"HTTP 404: Not Found", "deployment 7 in o/r does not exist"}},
		{"422", ghError(422, "Validation Failed", nil), []string{"HTTP 422: Validation Failed", "invalid"}},
		{"5xx", ghError(502, "Server Error", http.Header{"X-Github-Request-Id": {"ABCD"}}), []string{"request ID ABCD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Wrap(tt.err, "deployment 7 in o/r").Error()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			if strings.Contains(got, "per_page") {
				t.Errorf("error shows the query string: %q", got)
			}
		})
	}
	if StatusCode(Wrap(ghError(409, "Conflict", nil), "")) != 409 {
		t.Error("StatusCode lost the code")
	}
	if !IsAuth(Wrap(ghError(401, "Bad credentials", nil), "")) || IsAuth(Wrap(ghError(403, "x", nil), "")) {
		t.Error("IsAuth wrong")
	}
}
