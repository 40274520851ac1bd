package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// manifestExt are the extensions read from directories (as kubectl does);
// a file named explicitly is read whatever its name.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// File is one input file and its bytes; Name is "<stdin>" for "-".
type File struct {
	Name string
	Data []byte
}

// Read loads objects from files, directories (recursively) and "-"
// (stdin). It fails when nothing at all is found, so that a wrong path
// never looks like a clean audit.
func Read(paths []string, stdin io.Reader, opts ParseOptions) ([]Object, error) {
	files, _, err := ReadFiles(paths, stdin) // callers that show what was skipped use ReadFiles
	if err != nil {
		return nil, err
	}
	return ParseFiles(files, paths, opts)
}

// ParseFiles decodes the objects of files read by ReadFiles; paths name
// them in the error when none holds an object.
func ParseFiles(files []File, paths []string, opts ParseOptions) ([]Object, error) {
	var out []Object
	for _, f := range files {
		objs, err := Parse(f.Name, f.Data, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Kubernetes objects found in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

// ReadFiles reads the inputs -f names: files, directories (recursively,
// the manifest extensions only) and "-" (stdin), in order. What a
// directory holds under other extensions is returned as skipped, to be
// said, not silently ignored. Hidden files and directories are read as
// kubectl -R reads them.
func ReadFiles(paths []string, stdin io.Reader) ([]File, []Skipped, error) {
	var (
		out       []File
		skipped   []Skipped
		usedStdin bool
	)
	for _, p := range paths {
		switch {
		case p == "-":
			if usedStdin {
				return nil, nil, errors.New("-f -: standard input can be read only once")
			}
			usedStdin = true
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, nil, fmt.Errorf("reading standard input: %w", err)
			}
			out = append(out, File{Name: "<stdin>", Data: data})
			continue
		case strings.Contains(p, "://"):
			return nil, nil, fmt.Errorf("-f %s: reading URLs is not supported (tiergate works offline); download the file first", p)
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("-f %s: %w", p, unwrapPathError(err))
		}
		if !info.IsDir() {
			f, err := readFile(p)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, f)
			continue
		}
		files, other, err := readDir(p)
		if err != nil {
			return nil, nil, err
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("-f %s: no .yaml, .yml or .json files in the directory", p)
		}
		out = append(out, files...)
		if len(other) > 0 && !slices.ContainsFunc(skipped, func(s Skipped) bool { return filepath.Clean(s.Dir) == filepath.Clean(p) }) {
			skipped = append(skipped, Skipped{Dir: p, Files: other})
		}
	}
	return out, skipped, nil
}

// readDir reads a directory's manifests, recursively, and names the
// other files (relative to dir). A Helm chart in it is an error: its
// templates are not manifests until rendered.
func readDir(dir string) (files []File, other []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil {
				return fmt.Errorf("-f %s: %s is a Helm chart (Chart.yaml), not manifests: render it first (helm template RELEASE %s), then pass its output with -f", dir, path, path)
			}
			return nil
		}
		if !manifestExt[strings.ToLower(filepath.Ext(path))] {
			rel, relErr := filepath.Rel(dir, path)
			if relErr != nil {
				rel = path
			}
			other = append(other, rel)
			return nil
		}
		f, err := readFile(path)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	return files, other, err
}

// Skipped are the files of a -f directory that were not read: their
// extension is not .yaml, .yml or .json.
type Skipped struct {
	Dir   string
	Files []string
}

// maxSkippedNames bounds the names one note lists.
const maxSkippedNames = 5

// String says it in one line: "skipped 3 files in deploy/ that are not
// .yaml/.yml/.json: README.md, kustomize.txt, run.sh".
func (s Skipped) String() string {
	names := s.Files
	more := ""
	if len(names) > maxSkippedNames {
		names, more = names[:maxSkippedNames], fmt.Sprintf(", … and %d more", len(s.Files)-maxSkippedNames)
	}
	noun := "files in %s that are not"
	if len(s.Files) == 1 {
		noun = "file in %s that is not"
	}
	return fmt.Sprintf("skipped %d "+noun+" .yaml/.yml/.json: %s%s", len(s.Files), s.Dir, strings.Join(names, ", "), more)
}

func readFile(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("-f %s: %w", path, unwrapPathError(err))
	}
	return File{Name: path, Data: data}, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
