package manifest

import (
	"bytes"
	"regexp"
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

// templateLine is the first line with any "{{", for when a document does
// not parse: then a template is the likely reason.
func templateLine(doc []byte) (int, bool) {
	return firstLine(doc, func(line []byte) bool { return bytes.Contains(line, []byte("{{")) })
}

func firstLine(doc []byte, match func([]byte) bool) (int, bool) {
	for i, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && match(line) {
			return i + 1, true
		}
	}
	return 0, false
}

// controlAt is the offset of the first byte YAML forbids (C0 controls but
// tab, newline and carriage return, and DEL), or -1.
func controlAt(doc []byte) int {
	for i, b := range doc {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			return i
		}
	}
	return -1
}

// controlLine is the 1-based line of that byte: the YAML decoder reports
// the document's start instead.
func controlLine(doc []byte) (int, bool) {
	i := controlAt(doc)
	if i < 0 {
		return 0, false
	}
	return bytes.Count(doc[:i], []byte("\n")) + 1, true
}
