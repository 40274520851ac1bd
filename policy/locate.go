package policy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// SyntaxError is YAML a policy file could not be read as, at its line.
type SyntaxError struct {
	Line int // 0: unknown
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return "line " + strconv.Itoa(e.Line) + ": " + e.Msg
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

func syntaxError(err error) *SyntaxError {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &SyntaxError{Line: n, Msg: m[2]}
	}
	return &SyntaxError{Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// Locate words the errors of a policy file (Parse's, Compile's, the
// engine's) with the file and, where the document carries it, the line:
// "policy.yaml:12: exemptions[0].reason: required", one problem after
// the other in the file's order, on one line. A path the file does not
// hold (a required field left out) takes the line of the nearest
// enclosing one. The paths of a merged policy index the user's file:
// Merge puts the user's entries first (after the default's exemptions,
// and the default has none).
func Locate(file string, data []byte, err error) error {
	var se *SyntaxError
	if errors.As(err, &se) {
		if se.Line > 0 {
			return fmt.Errorf("%s:%d: %s", file, se.Line, se.Msg)
		}
		return fmt.Errorf("%s: %s", file, se.Msg)
	}
	var ve ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%s: %v", file, err)
	}
	lines := map[string]int{}
	var root yamlv3.Node
	if yamlv3.Unmarshal(data, &root) == nil {
		recordLines(resolved(&root), "", lines)
	}
	type located struct {
		line int
		msg  string
	}
	var out []located
	for _, e := range ve {
		path, _, _ := strings.Cut(e, ": ")
		out = append(out, located{lineOf(path, lines), e})
	}
	slices.SortStableFunc(out, func(a, b located) int { return a.line - b.line })
	parts := make([]string, len(out))
	for i, l := range out {
		if l.line > 0 {
			parts[i] = fmt.Sprintf("%s:%d: %s", file, l.line, l.msg)
		} else {
			parts[i] = file + ": " + l.msg
		}
	}
	return errors.New(strings.Join(parts, "; "))
}

// lineOf is the line of path, or of the nearest path that encloses it.
func lineOf(path string, lines map[string]int) int {
	for path != "" {
		if n, ok := lines[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
	return 0
}

// recordLines maps every field path under n to the line of its key (or
// of its item, in a list).
func recordLines(n *yamlv3.Node, path string, out map[string]int) {
	n = resolved(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := join(path, n.Content[i].Value)
			if _, seen := out[p]; !seen {
				out[p] = n.Content[i].Line
			}
			recordLines(n.Content[i+1], p, out)
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			out[p] = c.Line
			recordLines(c, p, out)
		}
	}
}
