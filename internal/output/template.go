package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/cli/go-gh/v2/pkg/tableprinter"
	"github.com/cli/go-gh/v2/pkg/text"
)

// executeTemplate runs a --template with the functions gh documents in
// "gh help formatting". It exists beside go-gh's template package because
// that one decodes every number as float64, so {{.id}} of a deployment
// (IDs are in the billions) prints as 1.234567891e+09; here integers stay
// integers.
func executeTemplate(w io.Writer, width int, color bool, tmpl string, jsonData []byte) error {
	dec := json.NewDecoder(bytes.NewReader(jsonData))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return err
	}
	data = exactNumbers(data)
	t, render, err := parseTemplate(w, width, color, tmpl)
	if err != nil {
		return err
	}
	if err := t.Execute(w, data); err != nil {
		return err
	}
	return render() // rows added without a closing tablerender
}

// parseTemplate parses tmpl with gh's template functions writing to w; the
// returned func renders table rows left without a closing tablerender.
func parseTemplate(w io.Writer, width int, color bool, tmpl string) (*template.Template, func() error, error) {
	tp := tableprinter.New(w, true, width)
	now := time.Now()
	paint := func(name string, v any) (string, error) {
		s, err := scalar(v)
		if err != nil || !color {
			return s, err
		}
		return colorize(name, s), nil
	}
	funcs := template.FuncMap{
		"autocolor": paint,
		"color":     func(name string, v any) (string, error) { s, err := scalar(v); return colorize(name, s), err },
		"hyperlink": func(link, label string) string {
			if label == "" {
				label = link
			}
			return "\x1b]8;;" + link + "\x1b\\" + label + "\x1b]8;;\x1b\\"
		},
		"join": func(sep string, items []any) (string, error) {
			parts := make([]string, len(items))
			for i, it := range items {
				s, err := scalar(it)
				if err != nil {
					return "", err
				}
				parts[i] = s
			}
			return strings.Join(parts, sep), nil
		},
		"pluck": func(field string, items []any) []any {
			var out []any
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					out = append(out, m[field])
				}
			}
			return out
		},
		"tablerow": func(fields ...any) (string, error) {
			for _, f := range fields {
				s, err := scalar(f)
				if err != nil {
					return "", fmt.Errorf("failed to write table row: %v", err)
				}
				tp.AddField(s)
			}
			tp.EndRow()
			return "", nil
		},
		"tablerender": func() (string, error) {
			err := tp.Render()
			tp = tableprinter.New(w, true, width)
			return "", err
		},
		"timeago": func(s string) (string, error) {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return "", err
			}
			return text.RelativeTimeAgo(now, t), nil
		},
		"timefmt": func(format, s string) (string, error) {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return "", err
			}
			return t.Format(format), nil
		},
		"truncate": func(n int, v any) (string, error) {
			if v == nil {
				return "", nil
			}
			s, ok := v.(string)
			if !ok {
				return "", fmt.Errorf("invalid value; expected string, got %T", v)
			}
			return text.Truncate(n, s), nil
		},
		"contains":   strings.Contains,
		"hasPrefix":  strings.HasPrefix,
		"hasSuffix":  strings.HasSuffix,
		"replace":    func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
		"regexMatch": func(re, s string) (bool, error) { return regexp.MatchString(re, s) },
	}
	t, err := template.New("").Funcs(funcs).Parse(tmpl)
	if err != nil {
		return nil, nil, err
	}
	return t, func() error { return tp.Render() }, nil
}

// exactNumbers turns json.Number into int64 where it is an integer, else
// float64, so templates both print and compare numbers naturally.
func exactNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = exactNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = exactNumbers(e)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if math.Trunc(x) == x {
			return strconv.FormatFloat(x, 'f', 0, 64), nil
		}
		return strconv.FormatFloat(x, 'f', 2, 64), nil
	case nil:
		return "", nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("cannot convert type to string: %v", v)
}

var colorCodes = map[string]string{
	"black": "30", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36", "white": "37",
	"bold": "1", "gray": "90", "grey": "90",
}

func colorize(name, s string) string {
	code, ok := colorCodes[name]
	if !ok {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
