package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tiergate/tiergate/internal/textutil"
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
	files, _, err := ReadFiles(paths, stdin)
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
// directory holds that is not read (other extensions, hidden files and
// directories such as .git) is returned as one note per directory, for
// the caller to say: a skipped file must never pass for an empty audit.
func ReadFiles(paths []string, stdin io.Reader) ([]File, []string, error) {
	var out []File
	var notes []string
	usedStdin := false
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
		found := 0
		var skipped, hidden []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(p, path)
			if path != p && strings.HasPrefix(d.Name(), ".") {
				hidden = append(hidden, rel)
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				// A chart's templates are not manifests until rendered.
				if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil {
					return fmt.Errorf("-f %s: %s is a Helm chart (Chart.yaml), not manifests: render it first (helm template RELEASE %s | tiergate audit -f -)", p, path, path)
				}
				return nil
			}
			if !manifestExt[strings.ToLower(filepath.Ext(path))] {
				skipped = append(skipped, rel)
				return nil
			}
			f, err := readFile(path)
			if err != nil {
				return err
			}
			found++
			out = append(out, f)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		if note := skipNote(p, skipped, hidden); note != "" {
			notes = append(notes, note)
		}
		if found == 0 {
			return nil, notes, fmt.Errorf("-f %s: no .yaml, .yml or .json files in the directory", p)
		}
	}
	return out, notes, nil
}

// skipNote says what a directory held that was not read, naming the
// first few.
func skipNote(dir string, skipped, hidden []string) string {
	var parts []string
	if n := len(skipped); n > 0 {
		parts = append(parts, fmt.Sprintf("%d file%s that %s not .yaml, .yml or .json (%s)", n, textutil.S(n), textutil.Plural(n, "is", "are"), firstFew(skipped)))
	}
	if n := len(hidden); n > 0 {
		parts = append(parts, fmt.Sprintf("%d hidden file%s or director%s (%s)", n, textutil.S(n), textutil.Plural(n, "y", "ies"), firstFew(hidden)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "-f " + dir + ": skipped " + strings.Join(parts, " and ")
}

func firstFew(names []string) string {
	const few = 5
	if len(names) <= few {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:few], ", ") + fmt.Sprintf(", … %d more", len(names)-few)
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
