// Package output prints results: the one exporter behind --json, --jq and
// --template, tables that are aligned on a TTY and TSV off it, and times
// that are relative for people and RFC 3339 for scripts.
package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/cli/go-gh/v2/pkg/jq"
	"github.com/cli/go-gh/v2/pkg/jsonpretty"
	"github.com/itchyny/gojq"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

// Exporter writes data as JSON limited to Fields, then through JQ or
// Template when given.
type Exporter struct {
	Fields   []string
	JQ       string
	Template string
}

// FieldsOf lists the JSON field names of a struct value or type, embedded
// structs included, sorted. They are what --json accepts.
func FieldsOf(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	var names []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" && f.IsExported() {
				names = append(names, name)
			}
		}
	}
	walk(t)
	sort.Strings(names)
	return names
}

// UnknownFieldError names a --json field the command does not have.
type UnknownFieldError struct {
	Field     string
	Available []string
}

func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("unknown JSON field: %q\nAvailable fields:\n  %s", e.Field, strings.Join(e.Available, "\n  "))
}

// CheckFields returns an *UnknownFieldError for the first field not in available.
func CheckFields(fields, available []string) error {
	for _, f := range fields {
		if !slices.Contains(available, f) {
			return &UnknownFieldError{Field: f, Available: available}
		}
	}
	return nil
}

// Check finds a broken --jq expression or --template before the command
// does anything: a write command must not act and then fail on its own
// input.
func (e *Exporter) Check() error {
	if e.JQ != "" {
		query, err := gojq.Parse(e.JQ)
		if err != nil {
			// go-gh's message points at the line and column.
			if ferr := jq.Evaluate(strings.NewReader("null"), io.Discard, e.JQ); ferr != nil {
				return fmt.Errorf("--jq: %w", ferr)
			}
			return fmt.Errorf("--jq: %w", err)
		}
		if _, err := gojq.Compile(query, gojq.WithEnvironLoader(os.Environ)); err != nil {
			return fmt.Errorf("--jq: %w", err)
		}
	}
	if e.Template != "" {
		if _, _, err := parseTemplate(io.Discard, 80, false, e.Template); err != nil {
			return fmt.Errorf("--template: %w", err)
		}
	}
	return nil
}

// Write exports data (a struct, a pointer to one, or a slice of them).
func (e *Exporter) Write(ios *iostreams.IOStreams, data any) error {
	filtered, err := e.filter(data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(filtered); err != nil {
		return err
	}
	switch {
	case e.JQ != "":
		// Indented for people; off a TTY one result per line, as gh does,
		// so a script can read objects line by line.
		indent := ""
		if ios.IsStdoutTTY() {
			indent = "  "
		}
		return jq.EvaluateFormatted(&buf, ios.Out, e.JQ, indent, ios.ColorEnabled())
	case e.Template != "":
		return executeTemplate(ios.Out, ios.TerminalWidth(), ios.ColorEnabled(), e.Template, buf.Bytes())
	case ios.IsStdoutTTY() || ios.ColorEnabled():
		// CLICOLOR_FORCE colours JSON off a terminal too, as gh does.
		return jsonpretty.Format(ios.Out, &buf, "  ", ios.ColorEnabled())
	default:
		_, err := ios.Out.Write(buf.Bytes())
		return err
	}
}

// filter keeps only the requested fields of each object, in a generic form.
func (e *Exporter) filter(data any) (any, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep int64 IDs exact
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	pick := func(v any) (map[string]any, error) {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, errors.New("export: not an object")
		}
		out := make(map[string]any, len(e.Fields))
		for _, f := range e.Fields {
			out[f] = obj[f]
		}
		return out, nil
	}
	if generic == nil { // a nil slice: nothing found
		return []any{}, nil
	}
	if list, ok := generic.([]any); ok {
		out := make([]any, 0, len(list))
		for _, item := range list {
			m, err := pick(item)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}
	return pick(generic)
}
