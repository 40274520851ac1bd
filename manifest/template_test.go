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
