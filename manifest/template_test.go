package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesAndBinaryBytesSayWhereAndWhat: a Helm template, parsing or
// not, is named as one with the line of its first action; a control byte
// is reported on its own line, in any document of a stream; template
// syntax in a real manifest's values (alert text, workflow parameters)
// is not mistaken for Helm.
func TestTemplatesAndBinaryBytesSayWhereAndWhat(t *testing.T) {
	helm := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"x.fullname\" . }}\n  labels:\n    {{- include \"x.labels\" . | nindent 4 }}\n"
	quoted := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n"
	second := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n# a comment\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: {x: \"a\x00b\"}\n"
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"unparsable Helm template", helm, "t.yaml:4: a Helm template, not a manifest: render it first (helm template RELEASE CHART | tiergate audit -f -)"},
		{"Helm template that parses", quoted, "t.yaml:8: a Helm template, not a manifest"},
		{"Helm in a later document", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n" + quoted, "t.yaml:12: a Helm template"},
		{"NUL in the first line", "\x00apiVersion: v1\n", "t.yaml:1: a control character (byte 0x00)"},
		{"NUL in a later document", second, "t.yaml:11: a control character (byte 0x00)"},
		{"other template that does not parse", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ name }}\n", "t.yaml:4: template syntax ({{ … }}) where YAML expected a value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.doc), ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant %q", err, tt.want)
			}
		})
	}
	alert := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rules}\ndata:\n  rules: 'summary: {{ $labels.instance }} is down'\n"
	if objs, err := Parse("t.yaml", []byte(alert), ParseOptions{}); err != nil || len(objs) != 1 {
		t.Fatalf("an alert's template text is a value: %v", err)
	}
}

// TestDirectorySaysWhatItSkipped: files of other extensions and hidden
// ones in a -f directory are named once, never silently left out.
func TestDirectorySaysWhatItSkipped(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"a.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", "sub/b.yml": "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n",
		"README.md": "x", "notes.txt": "x", "sub/values.tpl": "x", ".git/config": "x", ".env.yaml": "x",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, notes, err := ReadFiles([]string{dir}, nil)
	if err != nil || len(files) != 2 {
		t.Fatalf("%d files, %v", len(files), err)
	}
	want := "-f " + dir + ": skipped 3 files that are not .yaml, .yml or .json (README.md, notes.txt, sub/values.tpl) and 2 hidden files or directories (.env.yaml, .git)"
	if len(notes) != 1 || notes[0] != want {
		t.Fatalf("notes %q\nwant %q", notes, want)
	}
	if _, notes, _ := ReadFiles([]string{filepath.Join(dir, "a.yaml")}, nil); len(notes) != 0 {
		t.Fatalf("a named file skips nothing: %q", notes)
	}
}

const (
	helmAdvice     = "a Helm template, not a manifest: render it first (helm template RELEASE CHART | tiergate audit -f -)"
	templateAdvice = "template syntax ({{ … }}) where YAML expected a value"
)

// TestTemplatesSayWhereTheyBreak: a template's error names the line of
// the action YAML trips on (a leading "{{" is no JSON); templates in
// quoted strings are data, and a document broken elsewhere keeps YAML's
// own error even when it holds some.
func TestTemplatesSayWhereTheyBreak(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      string // "": parses
	}{
		{"a value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n", "a.yaml:4: " + helmAdvice},
		{"inside a value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: b\n", "a.yaml:4: " + helmAdvice},
		{"the first line, not JSON", "{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n{{- end }}\n", "a.yaml:1: " + helmAdvice},
		{"the first line, any template", "{{ if .on }}\napiVersion: v1\n{{ end }}\n", "a.yaml:1: " + templateAdvice},
		{"a list item", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {{ .container }}\n", "a.yaml:6: " + templateAdvice},
		{"in a flow mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: {{ .x }}}}\n", "a.yaml:3: " + templateAdvice},
		{"after a quoted one, the one YAML trips on", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: {note: \"{{ .a }}\"}\n  labels:\n    x: {{ .b }}\n", "a.yaml:7: " + templateAdvice},
		{"a multi-line comment action", "{{- /*\nlicence\n*/ -}}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", "a.yaml:1: " + templateAdvice},
		{"an alert text is data", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: Down\n      annotations:\n        summary: \"{{ $labels.instance }} is down: {{ $value }}\"\n        note: 'a: {{ x }}'\n", ""},
		{"a YAML error next to an alert text is YAML's", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  summary: \"{{ $labels.instance }}\"\n  bad: [1, 2\n", "a.yaml:6: did not find expected ',' or ']'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("a.yaml", []byte(tt.doc), ParseOptions{Positions: true})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("data, not a template: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Fatalf("got %v\nwant %q…", err, tt.want)
			}
		})
	}
}

// TestParseRefusedCharactersReportTheirLine: yaml's own error for a NUL
// or a control character names no line (or the document's first).
func TestParseRefusedCharactersReportTheirLine(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"NUL on the first line", "\x00" + pod, "x.yaml:1: a control character (byte 0x00)"},
		{"NUL mid-line", pod[:30] + "\x00" + pod[30:], "x.yaml:3: a control character (byte 0x00)"},
		{"NUL on the last line, no newline", pod + "  labels: {a: \"\x00\"}", "x.yaml:5: a control character (byte 0x00)"},
		{"NUL in a later document", pod + "---\n" + pod + "---\n" + pod + "spec:\n  x: \x00\n", "x.yaml:16: a control character (byte 0x00)"},
		{"NUL in JSON", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"a\x00\"}\n}\n", "x.yaml:4: a control character (byte 0x00)"},
		{"NUL in a later JSON value", "{\"kind\": \"Pod\"}\n{\n\n\"a\": \"\x00\"}\n", "x.yaml:4: a control character (byte 0x00)"},
		{"a bell in a later document", pod + "---\n" + pod + "  labels: {a: \"\a\"}\n", "x.yaml:10: a control character (byte 0x07) where YAML allows none"},
		{"an escape", pod + "  labels: {a: \"\x1b[2J\"}\n", "x.yaml:5: a control character (byte 0x1b)"},
		{"not UTF-8", pod + "---\n" + pod + "  labels: {a: \"caf\xe9\"}\n", "x.yaml:10: a byte that is not UTF-8 (0xe9) where YAML allows none"},
		{"a C1 control", pod + "  labels: {a: \"\u0090\"}\n", "x.yaml:5: a control character (U+0090)"},
		{"a JSON syntax error names its own line", "{\n  \"kind\": \"Pod\",\n  \"a\": 1\n  \"b\": 2\n}\n", "x.yaml:4: invalid JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.doc), ParseOptions{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q…", err, tt.want)
			}
		})
	}
}

// TestParseUTF16: PowerShell writes UTF-16 with a byte-order mark; its
// documents split and its lines count as in UTF-8, and its zero bytes
// are no NUL error.
func TestParseUTF16(t *testing.T) {
	doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: {x: {{ .y }}}\n"
	for _, bom := range []string{"le", "be"} {
		data := utf16Bytes(doc[:strings.Index(doc, "  labels")], bom)
		objs, err := Parse("w.yaml", data, ParseOptions{})
		if err != nil || len(objs) != 2 || objs[1].GetName() != "b" || objs[1].Line != 6 {
			t.Fatalf("%s: %v, %d objects", bom, err, len(objs))
		}
		_, err = Parse("w.yaml", utf16Bytes(doc, bom), ParseOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), "w.yaml:10: "+templateAdvice) {
			t.Errorf("%s: lines after transcoding: %v", bom, err)
		}
	}
}

func utf16Bytes(s, order string) []byte {
	out := []byte{0xFF, 0xFE}
	if order == "be" {
		out = []byte{0xFE, 0xFF}
	}
	for _, r := range s { // ASCII only here
		if order == "be" {
			out = append(out, 0, byte(r))
		} else {
			out = append(out, byte(r), 0)
		}
	}
	return out
}
