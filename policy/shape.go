package policy

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// shape checks a policy document's shape against the Policy type before
// it is decoded: every unknown field and every value of the wrong kind
// (a mapping where a list belongs, a list where a word does), by its
// field path and line. The decoder's own errors name neither.
// It also returns the line of every field path, for Compile's messages.
func shape(data []byte) (map[string]int, []string) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, nil // the decoder says what is wrong with the YAML
	}
	s := &shaper{lines: map[string]int{}}
	s.walk(doc.Content[0], reflect.TypeFor[Policy](), "")
	return s.lines, s.errs
}

type shaper struct {
	lines map[string]int
	errs  []string
}

func (s *shaper) bad(n *yaml.Node, path, format string, args ...any) {
	s.errs = append(s.errs, fmt.Sprintf("%s: %s (line %d)", path, fmt.Sprintf(format, args...), n.Line))
}

func (s *shaper) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if path != "" {
		s.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			s.bad(n, orTop(path), "want a mapping of %s, got %s", strings.Join(jsonFields(t), ", "), kindWord(n))
			return
		}
		fields := jsonFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fieldByJSON(t, k.Value)
			if !ok {
				s.bad(k, join(path, k.Value), "unknown field (known: %s)", strings.Join(fields, ", "))
				continue
			}
			s.walk(v, f.Type, join(path, k.Value))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			s.bad(n, orTop(path), "want a mapping, got %s", kindWord(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			s.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			s.bad(n, orTop(path), "want a list, got %s", kindWord(n))
			return
		}
		for i, item := range n.Content {
			s.walk(item, t.Elem(), path+"["+strconv.Itoa(i)+"]")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			s.bad(n, orTop(path), "want true or false, got %s", kindWord(n))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			s.bad(n, orTop(path), "want a word, got %s", kindWord(n))
		}
	}
}

// jsonFields are a struct's field names as a document spells them.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if name := jsonName(f); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if jsonName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

func kindWord(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

// lineOf is the line of a field path, or of the nearest enclosing one
// the document has (a required field that is missing is reported at its
// parent's line); 0 when unknown.
func lineOf(lines map[string]int, path string) int {
	for p := path; p != ""; {
		if l, ok := lines[p]; ok {
			return l
		}
		i := max(strings.LastIndexByte(p, '.'), strings.LastIndexByte(p, '['))
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}
