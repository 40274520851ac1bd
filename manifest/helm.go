package manifest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// helmAdvice is what a Helm template gets instead of a YAML error.
const helmAdvice = "Helm template, not a manifest: render it first (helm template RELEASE CHART), then pass its output with -f"

// templateAction is a Go template action, possibly over several lines.
var templateAction = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// unquotedAction is an action where YAML would read a flow mapping: at
// the start of a line, of a value or of a sequence item. Templates in
// quoted strings (Prometheus alerts, Argo parameters) are not.
var unquotedAction = regexp.MustCompile(`(?m)^\s*(-\s+)?([^\s"'#-][^:"'#]*:\s+)?\{\{`)

// helmTemplateLine says whether a document that YAML could not read is
// a Go template, and the line (in the document) to show: the first
// action YAML trips on, else the first action. It is one when the
// document has such an action, or when it reads as YAML once every
// action is taken out; a document whose only braces are in strings
// keeps its own YAML error.
func helmTemplateLine(doc []byte) (int, bool) {
	first := templateAction.FindIndex(doc)
	if first == nil {
		return 0, false
	}
	if loc := unquotedAction.FindIndex(doc); loc != nil {
		return lineAt(doc, int64(loc[1]-2)), true
	}
	if _, err := yaml.YAMLToJSON(withoutActions(doc)); err == nil {
		return lineAt(doc, int64(first[0])), true
	}
	return 0, false
}

// withoutActions replaces each action by a plain scalar, and a line that
// held only actions by nothing, keeping the line count.
func withoutActions(doc []byte) []byte {
	held := map[int]bool{}
	for _, loc := range templateAction.FindAllIndex(doc, -1) {
		held[lineAt(doc, int64(loc[0]))-1] = true
	}
	blanked := templateAction.ReplaceAllFunc(doc, func(m []byte) []byte {
		return append([]byte("x"), bytes.Repeat([]byte("\n"), bytes.Count(m, []byte("\n")))...)
	})
	lines := strings.Split(string(blanked), "\n")
	for i, l := range lines {
		if held[i] && strings.Trim(l, "x \t") == "" {
			lines[i] = ""
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// templatedName reports an object whose name or namespace holds an
// action: a template whose actions are all quoted reads as YAML, but no
// Kubernetes name has braces.
func templatedName(o Object) bool {
	return strings.Contains(o.GetName(), "{{") || strings.Contains(o.GetNamespace(), "{{")
}

// helmError words a template for the person, at its line in the file.
func helmError(name string, line int) error {
	return fmt.Errorf("%s:%d: %s", name, line, helmAdvice)
}
