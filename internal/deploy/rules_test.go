package deploy

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestValidFullName: GitHub's pattern for owner and name, less the names
// "." and "..", which would change an API path.
func TestValidFullName(t *testing.T) {
	fullNameRE := regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	long := strings.Repeat("a", 100)
	for _, s := range []string{
		"octo/demo", "octo/demo.js", "o/r", "-o/r", "o-/r", "o/-r", "o/.", "o/..", "o/a..b", "o//r", "o/r/x", "/r", "o/",
		"", "octo demo/x", "ö/r", strings.Repeat("a", 39) + "/r", strings.Repeat("a", 40) + "/r", "o/" + long,
		"o/" + long + "a", "o_o/r", "O-9/R_.-x", "o/r\n",
	} {
		want := fullNameRE.MatchString(s) && !strings.HasSuffix(s, "/.") && !strings.HasSuffix(s, "/..")
		if got := ValidFullName(s); got != want {
			t.Errorf("ValidFullName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNormalizePayload(t *testing.T) {
	for in, want := range map[string]string{
		"": "{}", "null": "{}", `""`: "{}", " \n": "{}", `{"a":1}`: `{"a":1}`, `"text"`: `"text"`, ` [1] `: `[1]`,
	} {
		if got := string(NormalizePayload(json.RawMessage(in))); got != want {
			t.Errorf("NormalizePayload(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestShortSHA(t *testing.T) {
	if got := ShortSHA("8b0fcf6a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a"); got != "8b0fcf6" {
		t.Errorf("ShortSHA = %q", got)
	}
	if got := ShortSHA("abc"); got != "abc" {
		t.Errorf("ShortSHA(abc) = %q", got)
	}
}

// TestRefAndSHA: a pinned deployment (ref = its SHA, in full or short) is
// named by the short SHA alone, not the SHA twice.
func TestRefAndSHA(t *testing.T) {
	const sha = "8b0fcf6a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a"
	for ref, want := range map[string]string{"main": "main (8b0fcf6)", sha: "8b0fcf6", "8b0fcf6": "8b0fcf6", "": "8b0fcf6", "v1.4.0": "v1.4.0 (8b0fcf6)"} {
		if got := RefAndSHA(ref, sha); got != want {
			t.Errorf("RefAndSHA(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestParseSHA(t *testing.T) {
	for in, want := range map[string]string{"8b0fcf6": "8b0fcf6", "8B0FCF6A": "8b0fcf6a", strings.Repeat("a", 40): strings.Repeat("a", 40)} {
		if got, err := ParseSHA(in); err != nil || got != want {
			t.Errorf("ParseSHA(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "8b0fcf", "nothex1", "8b0fcf6 ", strings.Repeat("a", 65)} {
		if _, err := ParseSHA(bad); err == nil {
			t.Errorf("ParseSHA(%q) accepted", bad)
		}
	}
	if IsFullSHA("8b0fcf6") || !IsFullSHA(strings.Repeat("a", 40)) {
		t.Error("IsFullSHA")
	}
}
