package manifest

import (
	"strconv"
	"strings"
	"testing"
)

const helmAdviceStart = "Helm template, not a manifest: render it first (helm template"

// TestParseHelmTemplates: a Go template says so, at the line of its
// first action YAML trips on, in tiergate's words; templates inside
// quoted strings (alert texts, workflow parameters) are data.
func TestParseHelmTemplates(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		line      int // 0: parses
		other     string
	}{
		{name: "a value", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n", line: 4},
		{name: "inside a value", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: b\n", line: 4},
		{name: "a whole line", doc: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels:\n    {{- include \"chart.labels\" . | nindent 4 }}\n", line: 6},
		{name: "the first line, not JSON", doc: "{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n{{- end }}\n", line: 1},
		{name: "a sequence item", doc: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {{ toYaml .Values.container }}\n", line: 6},
		{name: "in a flow mapping", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: {{ .Values.x }}}}\n", line: 3},
		{name: "every action quoted", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"{{ .Release.Name }}\"\n", line: 4},
		{name: "a later document", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: {{ .Release.Namespace }}\n", line: 10},
		{name: "a multi-line comment action", doc: "{{- /*\nlicence\n*/ -}}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", line: 1},
		{name: "an alert text is data", doc: "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: Down\n      annotations:\n        summary: \"{{ $labels.instance }} is down: {{ $value }}\"\n        note: 'a: {{ x }}'\n"},
		{name: "a YAML error next to an alert text is YAML's", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  summary: \"{{ $labels.instance }}\"\n  bad: [1, 2\n", other: "a.yaml:6:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("a.yaml", []byte(tt.doc), ParseOptions{Positions: true})
			switch {
			case tt.line == 0 && tt.other == "":
				if err != nil {
					t.Fatalf("data, not a template: %v", err)
				}
			case tt.other != "":
				if err == nil || strings.Contains(err.Error(), "Helm") || !strings.HasPrefix(err.Error(), tt.other) {
					t.Fatalf("got %v, want YAML's error at %s", err, tt.other)
				}
			default:
				want := "a.yaml:" + strconv.Itoa(tt.line) + ": " + helmAdviceStart
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("got %v, want %q…", err, want)
				}
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
		{"NUL on the first line", "\x00" + pod, "x.yaml:1: a NUL byte"},
		{"NUL mid-line", pod[:30] + "\x00" + pod[30:], "x.yaml:3: a NUL byte"},
		{"NUL on the last line, no newline", pod + "  labels: {a: \"\x00\"}", "x.yaml:5: a NUL byte"},
		{"NUL in a later document", pod + "---\n" + pod + "---\n" + pod + "spec:\n  x: \x00\n", "x.yaml:16: a NUL byte"},
		{"NUL in JSON", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"a\x00\"}\n}\n", "x.yaml:4: a NUL byte"},
		{"NUL in a later JSON value", "{\"kind\": \"Pod\"}\n{\n\n\"a\": \"\x00\"}\n", "x.yaml:4: a NUL byte"},
		{"a bell in a later document", pod + "---\n" + pod + "  labels: {a: \"\a\"}\n", "x.yaml:10: the control character U+0007: not allowed in YAML"},
		{"an escape", pod + "  labels: {a: \"\x1b[2J\"}\n", "x.yaml:5: the control character U+001B"},
		{"not UTF-8", pod + "---\n" + pod + "  labels: {a: \"caf\xe9\"}\n", "x.yaml:10: a byte that is not UTF-8 (0xE9)"},
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
	doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: {x: {{ y }}}\n"
	for _, bom := range []string{"le", "be"} {
		data := utf16Bytes(doc[:strings.Index(doc, "  labels")], bom)
		objs, err := Parse("w.yaml", data, ParseOptions{})
		if err != nil || len(objs) != 2 || objs[1].GetName() != "b" || objs[1].Line != 6 {
			t.Fatalf("%s: %v, %d objects", bom, err, len(objs))
		}
		_, err = Parse("w.yaml", utf16Bytes(doc, bom), ParseOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), "w.yaml:10: "+helmAdviceStart) {
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
