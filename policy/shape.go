package policy

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// checkShape walks a policy document against the Go type it decodes
// into and names, by field path, every key the type does not have and
// every value of the wrong kind: the JSON decoder's own errors name a Go
// type and no path ("cannot unmarshal string into Go struct field
// Policy.tiers of type policy.Tier"), or only the first unknown field.
func checkShape(n *yamlv3.Node, t reflect.Type, path string, errs *ValidationError) {
	n = resolved(n)
	if n == nil || n.Kind == yamlv3.ScalarNode && scalarKind(n) == "null" {
		return // a zero value
	}
	bad := func(format string, args ...any) { *errs = append(*errs, at(path)+fmt.Sprintf(format, args...)) }
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yamlv3.MappingNode {
			bad("want a mapping (%s), got %s", strings.Join(fieldNames(t), ", "), describe(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			f, ok := fieldByName(t, key)
			if !ok {
				*errs = append(*errs, join(path, key)+fmt.Sprintf(": unknown field (the fields here are %s)", strings.Join(fieldNames(t), ", ")))
				continue
			}
			checkShape(n.Content[i+1], f.Type, join(path, key), errs)
		}
	case reflect.Map:
		if n.Kind != yamlv3.MappingNode {
			bad("want a mapping, got %s", describe(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkShape(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), errs)
		}
	case reflect.Slice:
		if n.Kind != yamlv3.SequenceNode {
			bad("want a list, got %s", describe(n))
			return
		}
		for i, c := range n.Content {
			checkShape(c, t.Elem(), path+"["+strconv.Itoa(i)+"]", errs)
		}
	case reflect.String:
		if n.Kind != yamlv3.ScalarNode {
			bad("want a string, got %s", describe(n))
		} else if k := scalarKind(n); k != "string" {
			bad("want a string, got the %s %s (quote it)", k, n.Value)
		}
	case reflect.Bool:
		if n.Kind != yamlv3.ScalarNode || scalarKind(n) != "bool" {
			bad("want true or false, got %s", describe(n))
		}
	}
}

// scalarKind is the JSON kind the loader (YAML 1.1: yes and on are
// booleans) gives a scalar: string, bool, number or null.
func scalarKind(n *yamlv3.Node) string {
	if n.Style&(yamlv3.DoubleQuotedStyle|yamlv3.SingleQuotedStyle|yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0 {
		return "string"
	}
	js, err := yaml.YAMLToJSON([]byte(n.Value))
	if err != nil || len(js) == 0 {
		return "string"
	}
	switch c := js[0]; {
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	}
	return "string"
}

func describe(n *yamlv3.Node) string {
	switch n.Kind {
	case yamlv3.MappingNode:
		return "a mapping"
	case yamlv3.SequenceNode:
		return "a list"
	}
	if k := scalarKind(n); k != "string" {
		return "the " + k + " " + n.Value
	}
	return strconv.Quote(n.Value)
}

func resolved(n *yamlv3.Node) *yamlv3.Node {
	if n != nil && n.Kind == 0 {
		return nil // an empty document
	}
	for n != nil && (n.Kind == yamlv3.AliasNode || n.Kind == yamlv3.DocumentNode) {
		if n.Kind == yamlv3.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return nil
		}
	}
	return n
}

// fieldByName finds a struct field by its JSON name, case-insensitively
// as encoding/json matches it.
func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if strings.EqualFold(jsonName(f), name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if n := jsonName(t.Field(i)); n != "" {
			out = append(out, n)
		}
	}
	return out
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

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// at prefixes a message with its path ("" for the whole document).
func at(path string) string {
	if path == "" {
		return "the document: "
	}
	return path + ": "
}
