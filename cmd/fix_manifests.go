package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/remediate"
)

// newObjectsFile holds the objects the fixes create (-o manifests).
const newObjectsFile = "tiergate-new-objects.yaml"

// output is one file -o manifests writes.
type output struct {
	path string
	data []byte
	// replace: the path is an input file rewritten in place; appendTo:
	// the new objects go after what an earlier run wrote there.
	replace, appendTo bool
}

// writeManifests rewrites the input files that hold changed objects, into
// --output-dir or in place, and writes the objects to create next to them.
// Nothing is written unless every file could be rewritten; changes whose
// objects are not in the files make the exit code 1.
func (o *FixOptions) writeManifests(files []manifest.File, res *remediate.Result) error {
	var outs []output
	done := 0
	for _, f := range files {
		data, changed, err := remediate.Rewrite(f.Data, res.Changes, o.namespace)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", f.Name, err)}
		}
		if len(changed) == 0 {
			continue
		}
		done += len(changed)
		if o.InPlace {
			outs = append(outs, output{path: f.Name, data: data, replace: true})
			continue
		}
		outs = append(outs, output{path: filepath.Join(o.OutputDir, o.outputName(f.Name)), data: data})
	}
	if objs := remediate.NewObjects(res); len(objs) > 0 {
		out := output{data: objs}
		if o.InPlace {
			dir := filepath.Dir(o.Filenames[0])
			if info, err := os.Stat(o.Filenames[0]); err == nil && info.IsDir() {
				dir = o.Filenames[0]
			}
			out.path = filepath.Join(dir, newObjectsFile)
			// An earlier run's file (itself an input now) is added to.
			if old, err := os.ReadFile(out.path); err == nil {
				out.data = append(append(old, "---\n"...), objs...)
				out.replace, out.appendTo = true, true
			}
		} else {
			out.path = filepath.Join(o.OutputDir, newObjectsFile)
		}
		outs = append(outs, out)
	}
	seen := map[string]bool{}
	for _, out := range outs {
		if seen[out.path] {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("two inputs would be written to %s: give their directory to -f rather than the files", out.path)}
		}
		seen[out.path] = true
		if _, err := os.Lstat(out.path); err == nil && !out.replace {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s exists; tiergate does not overwrite files (choose an empty --output-dir)", out.path)}
		}
	}
	for _, out := range outs {
		if err := writeFileAtomic(out.path, out.data); err != nil {
			return &ExitError{Code: ExitUsage, Err: unwrapPath(err)}
		}
		fmt.Fprintln(o.Out, "wrote "+out.path)
	}
	fmt.Fprintf(o.Out, "%d fix%s in %d file%s; %d finding%s left to a human (tiergate fix -o patch lists them)\n",
		len(res.Fixes), textutil.Plural(len(res.Fixes), "", "es"), len(outs), textutil.S(len(outs)), len(res.Manual), textutil.S(len(res.Manual)))
	if missing := len(res.Changes) - done; missing > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %d changed object%s not in the files (pods of a dump name owners it does not hold); tiergate fix -o patch prints %s", missing, textutil.S(missing), textutil.Plural(missing, "it", "them"))}
	}
	return nil
}

// outputName is where an input file goes under --output-dir: its path
// below the -f directory it was found in, or its base name for a file
// named directly; standard input becomes stdin.yaml.
func (o *FixOptions) outputName(name string) string {
	if name == "<stdin>" {
		return "stdin.yaml"
	}
	for _, root := range o.Filenames {
		if info, err := os.Stat(root); err != nil || !info.IsDir() {
			continue
		}
		if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return filepath.Base(name)
}

// writeFileAtomic writes through a temporary file and a rename, so that an
// input rewritten in place is never left half written; it keeps the mode
// of a file it replaces.
func writeFileAtomic(path string, data []byte) error {
	// A symlinked input is rewritten where it points, not replaced by a
	// copy beside the link.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tiergate-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
