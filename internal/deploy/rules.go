package deploy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The rules every part of deployctl applies to deployment data, in one
// place: the commands, the listener's intake and its workers use these.

// ShortSHA is the first seven characters of a commit SHA, as GitHub shows it.
func ShortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// RefAndSHA names what a deployment runs as deployctl's messages do:
// "main (8b0fcf6)", or the short SHA alone when the ref is the SHA itself
// (a deployment pinned by promote or rollback, or GITHUB_SHA in Actions).
func RefAndSHA(ref, sha string) string {
	if ref == "" || strings.HasPrefix(sha, ref) {
		return ShortSHA(sha)
	}
	return ref + " (" + ShortSHA(sha) + ")"
}

// ParseSHA checks a commit SHA a user typed: 7 to 64 hexadecimal digits
// (40 for SHA-1, 64 for SHA-256 repositories; fewer is a prefix, as the
// 7 characters the tables show), returned in lower case.
func ParseSHA(s string) (string, error) {
	if len(s) < 7 || len(s) > 64 {
		return "", fmt.Errorf("invalid SHA %q: expected 7 to 40 hexadecimal characters", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return "", fmt.Errorf("invalid SHA %q: expected 7 to 40 hexadecimal characters", s)
		}
	}
	return strings.ToLower(s), nil
}

// IsFullSHA reports whether sha (from ParseSHA) is a whole commit SHA
// rather than a prefix.
func IsFullSHA(sha string) bool { return len(sha) == 40 || len(sha) == 64 }

// NormalizePayload gives every deployment a JSON payload: GitHub returns an
// object, a string, or nothing (null, ""), and GraphQL returns the JSON as
// text. Nothing becomes {}.
func NormalizePayload(raw json.RawMessage) json.RawMessage {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == `""` {
		return json.RawMessage("{}")
	}
	return json.RawMessage(s)
}

// ValidFullName reports whether s is OWNER/REPO as GitHub allows them,
// ^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$ and not "." or ".."
// (checked by hand: a regexp cost more than the rest of a webhook's
// classification). The name ends up in API paths, so nothing else may pass.
func ValidFullName(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || len(owner) < 1 || len(owner) > 39 || len(name) < 1 || len(name) > 100 || owner[0] == '-' ||
		name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(owner); i++ {
		if c := owner[i]; !isAlnum(c) && c != '-' {
			return false
		}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
