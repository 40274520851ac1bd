// Package readme keeps the README's samples true: a sample is a fenced
// block between <!-- sample:NAME --> and <!-- /sample:NAME --> that a test
// produces from the real program, checks, and rewrites with -update.
package readme

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Path is the README, from a package directory of this repository.
const Path = "../README.md"

func markers(name string) (string, string) {
	return "<!-- sample:" + name + " -->\n", "<!-- /sample:" + name + " -->"
}

// Sample returns the text of the named sample's fenced block.
func Sample(doc []byte, name string) (string, error) {
	start, end := markers(name)
	i := bytes.Index(doc, []byte(start))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return "", fmt.Errorf("README has no sample %q (%s…%s)", name, strings.TrimSpace(start), end)
	}
	block := string(doc[i+len(start) : j])
	block = strings.TrimPrefix(block, "```\n")
	block = strings.TrimSuffix(block, "```\n")
	return block, nil
}

// Replace puts text in the named sample's fenced block.
func Replace(doc []byte, name, text string) ([]byte, error) {
	start, end := markers(name)
	i := bytes.Index(doc, []byte(start))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return nil, fmt.Errorf("README has no sample %q", name)
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	var b bytes.Buffer
	b.Write(doc[:i+len(start)])
	b.WriteString("```\n" + text + "```\n")
	b.Write(doc[j:])
	return b.Bytes(), nil
}

// Check compares the named sample with want, or rewrites it when update
// is set; the error says how to bring it up to date.
func Check(name, want string, update bool) error {
	path, _ := filepath.Abs(Path)
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if update {
		out, err := Replace(doc, name, want)
		if err != nil {
			return err
		}
		return os.WriteFile(path, out, 0o644)
	}
	got, err := Sample(doc, name)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(want, "\n") {
		want += "\n"
	}
	if got != want {
		g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
		for k := range min(len(g), len(w)) {
			if g[k] != w[k] {
				return fmt.Errorf("README sample %q is stale at its line %d (go test -update rewrites it):\n README: %q\n program: %q", name, k+1, g[k], w[k])
			}
		}
		return fmt.Errorf("README sample %q is stale: %d lines, the program prints %d (go test -update rewrites it)", name, len(g), len(w))
	}
	return nil
}
