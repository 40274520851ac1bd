package manifest

import (
	"bytes"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// helmAction is a template action only Helm writes: its built-in objects
// (.Values, .Release, .Chart, .Capabilities) and its include and
// toYaml functions. Other "{{ }}" (Prometheus alert text in a ConfigMap,
// an Argo Workflows parameter) are values of real manifests.
var helmAction = regexp.MustCompile(`\{\{-?\s*[^}]*(\.Values\b|\.Release\b|\.Chart\b|\.Capabilities\b|\binclude\s+"|\btoYaml\b|\bnindent\b)`)

// helmLine is the 1-based line of the first Helm action in a document,
// comments aside.
func helmLine(doc []byte) (int, bool) {
	return firstLine(doc, func(line []byte) bool { return helmAction.Match(line) })
}

// templateAction is any Go template action, possibly over several lines.
var templateAction = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// unquotedAction is an action where YAML would read a flow mapping: at
// the start of a line, of a value or of a list item. One inside a quoted
// string is data.
var unquotedAction = regexp.MustCompile(`(?m)^\s*(-\s+)?([^\s"'#-][^:"'#]*:\s+)?\{\{`)

// templateLine says whether a document that does not parse is a template,
// and the 1-based line to show: the first action where YAML reads a
// flow mapping, else the first action when the document parses once its
// actions are taken out. A document whose actions are all in strings
// and whose YAML is broken elsewhere keeps YAML's own error.
func templateLine(doc []byte) (int, bool) {
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

func firstLine(doc []byte, match func([]byte) bool) (int, bool) {
	for i, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && match(line) {
			return i + 1, true
		}
	}
	return 0, false
}
