package output

import (
	"strings"
	"testing"
	"time"

	"github.com/deployctl/gh-deployctl/internal/iostreams"
)

type inner struct {
	A int `json:"a"`
}

type sample struct {
	inner
	ID    int64     `json:"id"`
	Name  string    `json:"name"`
	When  time.Time `json:"when"`
	Skip  string    `json:"-"`
	Other string
}

func TestFieldsOf(t *testing.T) {
	got := strings.Join(FieldsOf([]sample{}), ",")
	if got != "a,id,name,when" {
		t.Errorf("FieldsOf = %s", got)
	}
}

func TestCheckFields(t *testing.T) {
	err := CheckFields([]string{"id", "nope"}, []string{"id", "name"})
	if err == nil || !strings.Contains(err.Error(), `unknown JSON field: "nope"`) || !strings.Contains(err.Error(), "  name") {
		t.Fatalf("err = %v", err)
	}
	if CheckFields([]string{"id"}, []string{"id"}) != nil {
		t.Error("known field refused")
	}
}

func TestExporter(t *testing.T) {
	data := []sample{{ID: 9007199254740993, Name: "a<b>"}, {ID: 2, Name: "x"}}
	tests := []struct {
		name string
		e    Exporter
		tty  bool
		want string
	}{
		{"fields only, compact off a TTY", Exporter{Fields: []string{"id", "name"}}, false,
			`[{"id":9007199254740993,"name":"a<b>"},{"id":2,"name":"x"}]` + "\n"},
		{"indented on a TTY", Exporter{Fields: []string{"id"}}, true,
			"[\n  {\n    \"id\": 9007199254740993\n  },\n  {\n    \"id\": 2\n  }\n]\n"},
		{"jq", Exporter{Fields: []string{"id", "name"}, JQ: `.[] | select(.id == 2) | .name`}, false, "x\n"},
		{"jq objects, one per line off a TTY", Exporter{Fields: []string{"id", "name"}, JQ: `.[1], .[1]`}, false,
			`{"id":2,"name":"x"}` + "\n" + `{"id":2,"name":"x"}` + "\n"},
		{"jq objects, indented on a TTY", Exporter{Fields: []string{"id"}, JQ: `.[1]`}, true, "{\n  \"id\": 2\n}\n"},
		{"template", Exporter{Fields: []string{"id", "name"}, Template: `{{range .}}{{.id}}={{.name}} {{end}}`}, false,
			"9007199254740993=a<b> 2=x "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			if err := tt.e.Write(ios, data); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", out.String(), tt.want)
			}
		})
	}
}

func TestExporterEmptyListIsArray(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	var none []sample
	if err := (&Exporter{Fields: []string{"id"}}).Write(ios, none); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[]\n" {
		t.Errorf("got %q", out.String())
	}
}

func TestExporterBadJQ(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	if err := (&Exporter{Fields: []string{"id"}, JQ: ".[] | ("}).Write(ios, []sample{{}}); err == nil {
		t.Error("bad jq accepted")
	}
}

func TestTime(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	when := now.Add(-2 * time.Hour)
	if got := Time(ios, now, when); got != "2026-11-25T10:00:00Z" {
		t.Errorf("off a TTY: %s", got)
	}
	ios.SetStdoutTTY(true)
	if got := Time(ios, now, when); got != "about 2 hours ago" {
		t.Errorf("on a TTY: %s", got)
	}
}

func TestTemplateFunctions(t *testing.T) {
	data := []map[string]any{
		{"id": int64(2345678901), "state": "success", "createdAt": "2026-11-25T10:00:00Z", "ok": true},
		{"id": int64(7), "state": "failure", "createdAt": "2026-11-24T10:00:00Z", "ok": false},
	}
	tests := []struct{ tmpl, want string }{
		{`{{range .}}{{.id}} {{end}}`, "2345678901 7 "},
		{`{{range .}}{{if gt .id 100}}big{{end}}{{end}}`, "big"},
		{`{{join "," (pluck "state" .)}}`, "success,failure"},
		{`{{range .}}{{timefmt "2006-01-02" .createdAt}} {{end}}`, "2026-11-25 2026-11-24 "},
		{`{{range .}}{{tablerow .id .state}}{{end}}`, "2345678901  success\n7           failure\n"},
		{`{{range .}}{{autocolor "green" .state}} {{end}}`, "success failure "},
		{`{{range .}}{{truncate 4 .state}}|{{end}}`, "succ|fail|"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			if err := (&Exporter{Fields: []string{"id", "state", "createdAt", "ok"}, Template: tt.tmpl}).Write(ios, data); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// TestExporterColoursJSONWhenForced: CLICOLOR_FORCE colours JSON off a
// terminal too, as gh's does; without it a pipe gets plain compact JSON.
func TestExporterColoursJSONWhenForced(t *testing.T) {
	for _, forced := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetColorEnabled(true)
		ios.SetColorForced(forced)
		e := &Exporter{Fields: []string{"id"}}
		if err := e.Write(ios, struct {
			ID int `json:"id"`
		}{7}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "\x1b["); got != forced {
			t.Errorf("forced %v: coloured %v: %q", forced, got, out)
		}
		if !forced && out.String() != `{"id":7}`+"\n" {
			t.Errorf("pipe: %q", out)
		}
	}
}
