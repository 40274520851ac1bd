package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Object is one decoded object and where it came from.
type Object struct {
	*unstructured.Unstructured
	File string
	Line int
	// Lines maps dotted field paths to lines (only with Options.Positions).
	Lines map[string]int
}

// ParseOptions tune decoding.
type ParseOptions struct {
	// Positions records the line of every field, for SARIF locations.
	Positions bool
}

// Parse decodes every object in data. name is used in errors and
// locations. Lists are flattened into their items.
func Parse(name string, data []byte, opts ParseOptions) ([]Object, error) {
	data = utf8Text(data)
	if err := nulByte(name, data); err != nil {
		return nil, err
	}
	// "{{" starts a template, never JSON.
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' && !bytes.HasPrefix(trimmed, []byte("{{")) || trimmed[0] == '[') {
		return parseJSON(name, data)
	}
	var out []Object
	for _, d := range splitYAML(data) {
		objs, err := parseYAMLDoc(name, d, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

type document struct {
	data []byte
	line int // 1-based line of the document's first line
}

// splitYAML splits a YAML stream at "---" lines, keeping each document's
// starting line.
func splitYAML(data []byte) []document {
	var docs []document
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	var cur bytes.Buffer
	start, line := 1, 0
	flush := func(next int) {
		docs = append(docs, document{data: append([]byte(nil), cur.Bytes()...), line: start})
		cur.Reset()
		start = next
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "---" || strings.HasPrefix(text, "--- ") || strings.HasPrefix(text, "---\t") {
			flush(line + 1)
			if rest := strings.TrimSpace(text[3:]); rest != "" && !strings.HasPrefix(rest, "#") {
				// "--- {inline: doc}" starts the document on this line.
				cur.WriteString(rest)
				cur.WriteByte('\n')
				start = line
			}
			continue
		}
		if text == "..." {
			flush(line + 1)
			continue
		}
		cur.WriteString(text)
		cur.WriteByte('\n')
	}
	flush(line + 1)
	return docs
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// parseYAMLDoc decodes one YAML document. Errors carry the absolute line,
// as kubectl's YAML library counts it. The document is parsed a second
// time, for field positions, only when they are asked for.
func parseYAMLDoc(name string, d document, opts ParseOptions) ([]Object, error) {
	// A chart's template is not a manifest, whether or not it happens to
	// parse: its values would be audited as the literal "{{ .Values.x }}".
	if l, ok := helmLine(d.data); ok {
		return nil, fmt.Errorf("%s:%d: a Helm template, not a manifest: render it first (helm template RELEASE CHART | tiergate audit -f -)", name, d.line+l-1)
	}
	js, err := yaml.YAMLToJSON(d.data)
	if err != nil {
		if off, what, ok := badChar(d.data); ok {
			return nil, fmt.Errorf("%s:%d: %s where YAML allows none: the file is binary, corrupt or in another encoding", name, d.line+lineAt(d.data, int64(off))-1, what)
		}
		if l, ok := templateLine(d.data); ok {
			return nil, fmt.Errorf("%s:%d: template syntax ({{ … }}) where YAML expected a value: a Helm or other template, not a manifest; render it first", name, d.line+l-1)
		}
		return nil, fmt.Errorf("%s:%s", name, shiftLine(err.Error(), d.line))
	}
	start := d.line + leadingNonContent(d.data)
	switch t := bytes.TrimSpace(js); {
	case len(t) == 0 || string(t) == "null":
		return nil, nil // only comments or blank lines
	case t[0] == '[':
		return nil, fmt.Errorf("%s:%d: expected a Kubernetes object (a mapping), found a list", name, start)
	case t[0] != '{':
		// Never quote the scalar: a stray line may be a secret.
		return nil, fmt.Errorf("%s:%d: expected a Kubernetes object (a mapping), found a scalar", name, start)
	}
	var lines map[string]int
	if opts.Positions {
		var root yamlv3.Node
		if err := yamlv3.Unmarshal(d.data, &root); err == nil && len(root.Content) > 0 {
			lines = map[string]int{}
			recordLines(root.Content[0], "", d.line-1, lines)
		}
	}
	return decodeObject(name, js, start, lines)
}

// leadingNonContent counts the blank and comment lines a document starts
// with, so that an object's line is that of its first field.
func leadingNonContent(data []byte) int {
	n := 0
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return n
		}
		n++
	}
	return n
}

// shiftLine rewrites "line N" in a YAML error to the line in the file.
func shiftLine(msg string, docStart int) string {
	loc := yamlLineRE.FindStringSubmatchIndex(msg)
	if loc == nil {
		return strconv.Itoa(docStart) + ": " + msg
	}
	n, _ := strconv.Atoi(msg[loc[2]:loc[3]])
	rest := strings.TrimPrefix(msg[:loc[0]]+msg[loc[1]:], "yaml: ")
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "yaml: "), ": ")
	return strconv.Itoa(n+docStart-1) + ": " + rest
}

// recordLines maps every field path under n to its line in the file.
func recordLines(n *yamlv3.Node, path string, offset int, out map[string]int) {
	switch n.Kind {
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			out[p] = k.Line + offset
			recordLines(v, p, offset, out)
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			out[p] = c.Line + offset
			recordLines(c, p, offset, out)
		}
	case yamlv3.AliasNode:
		if n.Alias != nil {
			recordLines(n.Alias, path, offset, out)
		}
	}
}

// parseJSON decodes a stream of JSON values (objects or arrays of objects).
func parseJSON(name string, data []byte) ([]Object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []Object
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			at := dec.InputOffset()
			var se *json.SyntaxError
			if errors.As(err, &se) && se.Offset > 0 {
				at = se.Offset - 1 // the offending byte; Offset counts it
			}
			return nil, fmt.Errorf("%s:%d: invalid JSON: %v", name, lineAt(data, at), err)
		}
		line := lineAt(data, start+int64(leadingSpace(data[start:])))
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, fmt.Errorf("%s:%d: invalid JSON: %v", name, line, err)
			}
			for _, it := range items {
				objs, err := decodeObject(name, it, line, nil)
				if err != nil {
					return nil, err
				}
				out = append(out, objs...)
			}
			continue
		}
		objs, err := decodeObject(name, raw, line, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func leadingSpace(b []byte) int {
	return len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// decodeObject turns one JSON object into Objects, flattening lists.
func decodeObject(name string, js []byte, line int, lines map[string]int) ([]Object, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, fmt.Errorf("%s:%d: %s", name, line, objectError(err))
	}
	if !u.IsList() {
		return []Object{{Unstructured: u, File: name, Line: line, Lines: lines}}, nil
	}
	list, err := u.ToList()
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line, err)
	}
	out := make([]Object, 0, len(list.Items))
	perItem := itemLines(lines)
	for i := range list.Items {
		item := &list.Items[i]
		o := Object{Unstructured: item, File: name, Line: line}
		if lines != nil {
			o.Line = lines["items"+indexKey(i)]
			o.Lines = perItem[i]
		}
		if item.GetKind() == "" {
			return nil, fmt.Errorf("%s:%d: list item %d has no kind", name, o.Line, i)
		}
		out = append(out, o)
	}
	return out, nil
}

// itemLines splits a List's field lines by item in one pass:
// "items[3].spec.x" goes to item 3 as "spec.x".
func itemLines(lines map[string]int) map[int]map[string]int {
	if lines == nil {
		return nil
	}
	out := map[int]map[string]int{}
	for k, v := range lines {
		rest, ok := strings.CutPrefix(k, "items[")
		if !ok {
			continue
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 || end+1 >= len(rest) || rest[end+1] != '.' {
			continue
		}
		i, err := strconv.Atoi(rest[:end])
		if err != nil {
			continue
		}
		if out[i] == nil {
			out[i] = map[string]int{}
		}
		out[i][rest[end+2:]] = v
	}
	return out
}

func indexKey(i int) string { return "[" + strconv.Itoa(i) + "]" }

// objectError words apimachinery's decoding errors for people.
func objectError(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Object 'Kind' is missing"):
		return "object has no kind"
	case strings.Contains(msg, "Object 'apiVersion' is missing"):
		return "object has no apiVersion"
	}
	return msg
}
