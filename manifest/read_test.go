package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadDirectoryRecursively(t *testing.T) {
	objs, err := Read([]string{"testdata/tree"}, nil, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.GetName())
	}
	if got := strings.Join(names, ","); got != "a,b,c" {
		t.Fatalf("got %s, want a,b,c (the .txt file skipped)", got)
	}
}

func TestReadStdin(t *testing.T) {
	objs, err := Read([]string{"-"}, strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n"), ParseOptions{})
	if err != nil || len(objs) != 1 || objs[0].File != "<stdin>" {
		t.Fatalf("got %v, %v", objs, err)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		paths []string
		stdin string
		want  string
	}{
		{"missing file", []string{"testdata/nope.yaml"}, "", "-f testdata/nope.yaml: no such file or directory"},
		{"directory without manifests", []string{"testdata/empty-dir"}, "", "no .yaml, .yml or .json files"},
		{"url", []string{"https://example.com/x.yaml"}, "", "reading URLs is not supported"},
		{"stdin twice", []string{"-", "-"}, "apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n", "standard input can be read only once"},
		{"nothing found", []string{"-"}, "# only a comment\n", "no Kubernetes objects found in -"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.paths, strings.NewReader(tt.stdin), ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReadHelmChartDirectory: a chart's templates are not manifests; the
// directory says so before any template is parsed.
func TestReadHelmChartDirectory(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "charts", "vllm")
	if err := os.MkdirAll(filepath.Join(chart, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string]string{
		filepath.Join(dir, "a.yaml"):                  "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
		filepath.Join(chart, "Chart.yaml"):            "apiVersion: v2\nname: vllm\nversion: 0.1.0\n",
		filepath.Join(chart, "templates", "dep.yaml"): "metadata:\n  name: {{ .Release.Name }}\n",
	} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := ReadFiles([]string{dir}, nil)
	want := "-f " + dir + ": " + chart + " is a Helm chart (Chart.yaml), not manifests: render it first (helm template RELEASE " + chart + " | tiergate audit -f -)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %q…", err, want)
	}
}
