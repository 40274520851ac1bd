package manifest

import (
	"os"
	"path/filepath"
	"slices"
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

// TestReadDirectoryNamesWhatItSkips: a -f directory's other files are
// returned as skipped, once per directory, never silently left out;
// hidden files and directories are read as kubectl -R reads them.
func TestReadDirectoryNamesWhatItSkips(t *testing.T) {
	files, skipped, err := ReadFiles([]string{"testdata/tree", "testdata/tree/", "testdata/tree/a.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || skipped[0].Dir != "testdata/tree" || !slices.Equal(skipped[0].Files, []string{filepath.Join("sub", "notes.txt")}) {
		t.Fatalf("skipped %+v, want sub/notes.txt once", skipped)
	}
	if got := skipped[0].String(); got != "skipped 1 file in testdata/tree that is not .yaml/.yml/.json: sub/notes.txt" {
		t.Errorf("note %q", got)
	}
	if len(files) != 7 {
		t.Errorf("%d files read, want 3+3+1", len(files))
	}

	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\n"
	for path, data := range map[string]string{
		"a.yaml":               strings.Replace(pod, "%s", "a", 1),
		".hidden.yaml":         strings.Replace(pod, "%s", "hidden", 1),
		".config/in-dot.yml":   strings.Replace(pod, "%s", "in-dot", 1),
		"README.md":            "# not a manifest",
		"run.sh":               "",
		"x/a.txt":              "",
		"x/b.txt":              "",
		"x/c.txt":              "",
		"x/UPPER.YAML":         strings.Replace(pod, "%s", "upper", 1),
		".config/settings.ini": "",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := Read([]string{dir}, nil, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.GetName())
	}
	if got := strings.Join(names, ","); got != "in-dot,hidden,a,upper" {
		t.Errorf("read %s, want the hidden ones too", got)
	}
	_, skipped, _ = ReadFiles([]string{dir}, nil)
	want := "skipped 6 files in " + dir + " that are not .yaml/.yml/.json: .config/settings.ini, README.md, run.sh, x/a.txt, x/b.txt, … and 1 more"
	if len(skipped) != 1 || skipped[0].String() != want {
		t.Errorf("got %v\nwant %s", skipped, want)
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
	want := "-f " + dir + ": " + chart + " is a Helm chart (Chart.yaml), not manifests: render it first (helm template RELEASE " + chart + ")"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %q…", err, want)
	}
}
