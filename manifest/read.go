package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// manifestExt are the extensions read from directories (as kubectl does);
// a file named explicitly is read whatever its name.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// Read loads objects from files, directories (recursively) and "-"
// (stdin). It fails when nothing at all is found, so that a wrong path
// never looks like a clean audit.
func Read(paths []string, stdin io.Reader, opts ParseOptions) ([]Object, error) {
	var out []Object
	usedStdin := false
	for _, p := range paths {
		switch {
		case p == "-":
			if usedStdin {
				return nil, errors.New("-f -: standard input can be read only once")
			}
			usedStdin = true
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("reading standard input: %w", err)
			}
			objs, err := Parse("<stdin>", data, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
			continue
		case strings.Contains(p, "://"):
			return nil, fmt.Errorf("-f %s: reading URLs is not supported (tiergate works offline); download the file first", p)
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("-f %s: %w", p, unwrapPathError(err))
		}
		if !info.IsDir() {
			objs, err := readFile(p, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
			continue
		}
		found := 0
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !manifestExt[strings.ToLower(filepath.Ext(path))] {
				return nil
			}
			objs, err := readFile(path, opts)
			if err != nil {
				return err
			}
			found++
			out = append(out, objs...)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if found == 0 {
			return nil, fmt.Errorf("-f %s: no .yaml, .yml or .json files in the directory", p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Kubernetes objects found in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

func readFile(path string, opts ParseOptions) ([]Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-f %s: %w", path, unwrapPathError(err))
	}
	return Parse(path, data, opts)
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
