package remediate

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	"sigs.k8s.io/kustomize/kyaml/yaml/walk"
	sigsyaml "sigs.k8s.io/yaml"
)

// docSeparator is a YAML document marker line ("---", "--- # comment").
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?(\r?\n|\z)`)

// Rewrite applies the changes whose targets are in one manifest file and
// returns the new content, with the targets it changed. A changed document
// keeps its comments, key order and sequence indentation (kyaml merges the
// patch by the Kubernetes schema: containers by name, volumes by name);
// every other document, separator and byte outside them is kept as it was.
// Objects without a namespace match defaultNamespace, as they did in the
// audit; targets inside a List's items are changed there.
func Rewrite(data []byte, changes []Change, defaultNamespace string) ([]byte, []Target, error) {
	if defaultNamespace == "" {
		defaultNamespace = "default"
	}
	var out strings.Builder
	var changed []Target
	text := string(data)
	bounds := docSeparator.FindAllStringIndex(text, -1)
	start := 0
	for i := 0; i <= len(bounds); i++ {
		end := len(text)
		if i < len(bounds) {
			end = bounds[i][0]
		}
		doc := text[start:end]
		newDoc, ts, err := rewriteDoc(doc, changes, defaultNamespace)
		if err != nil {
			return nil, nil, err
		}
		out.WriteString(newDoc)
		changed = append(changed, ts...)
		if i < len(bounds) {
			out.WriteString(text[bounds[i][0]:bounds[i][1]])
			start = bounds[i][1]
		}
	}
	return []byte(out.String()), changed, nil
}

// rewriteDoc changes one document, or returns it as it was.
func rewriteDoc(doc string, changes []Change, defaultNamespace string) (string, []Target, error) {
	if strings.TrimSpace(doc) == "" {
		return doc, nil, nil
	}
	root, err := yaml.Parse(doc)
	if err != nil || root.YNode().Kind != yaml.MappingNode {
		return doc, nil, nil // the loader already reported what it could not read
	}
	var changed []Target
	apply := func(node *yaml.RNode) (*yaml.RNode, error) {
		meta, err := node.GetMeta()
		if err != nil {
			return node, nil
		}
		ns := meta.Namespace
		if ns == "" {
			ns = defaultNamespace
		}
		for _, c := range changes {
			t := c.Target
			if t.Kind != meta.Kind || t.Name != meta.Name || (t.Namespace != ns && t.Namespace != "") {
				continue
			}
			y, err := sigsyaml.JSONToYAML(c.Patch)
			if err != nil {
				return nil, err
			}
			patch, err := yaml.Parse(string(y))
			if err != nil {
				return nil, err
			}
			// kyaml knows the built-in kinds' list keys; for a custom
			// resource it infers them (containers by name, mounts by
			// mountPath), as the JSON patch addresses them.
			merge := func(dst, src *yaml.RNode) (*yaml.RNode, error) {
				return walk.Walker{
					Sources:               []*yaml.RNode{dst, src},
					Visitor:               commentKeeper{},
					InferAssociativeLists: c.PatchType == types.JSONPatchType,
					MergeOptions:          yaml.MergeOptions{ListIncreaseDirection: yaml.MergeOptionsListAppend},
				}.Walk()
			}
			if err := mergeIndexed(node, patch, merge); err != nil {
				return nil, fmt.Errorf("%s: %w", t, err)
			}
			merged, err := merge(node, patch)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t, err)
			}
			changed = append(changed, t)
			node = merged
		}
		return node, nil
	}
	if kind := root.GetKind(); strings.HasSuffix(kind, "List") {
		items, err := root.Pipe(yaml.Lookup("items"))
		if err != nil || items == nil {
			return doc, nil, nil
		}
		for i, item := range items.Content() {
			merged, err := apply(yaml.NewRNode(item))
			if err != nil {
				return "", nil, err
			}
			items.YNode().Content[i] = merged.YNode()
		}
	} else {
		merged, err := apply(root)
		if err != nil {
			return "", nil, err
		}
		root = merged
	}
	if len(changed) == 0 {
		return doc, nil, nil
	}
	if t := strings.TrimSpace(doc); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return "", nil, fmt.Errorf("%s is in a JSON document; -o manifests rewrites YAML (use -o patch or -o kustomize)", changed[0])
	}
	style := yaml.SequenceIndentStyle(yaml.DeriveSeqIndentStyle(doc))
	b, err := yaml.MarshalWithOptions(root.Document(), &yaml.EncoderOptions{SeqIndent: style})
	if err != nil {
		return "", nil, err
	}
	return string(b), changed, nil
}

// commentKeeper is kyaml's merge, except that a scalar the patch sets
// keeps the comments of the value it replaces ("name: agent # main").
type commentKeeper struct{ merge2.Merger }

func (c commentKeeper) VisitScalar(nodes walk.Sources, s *openapi.ResourceSchema) (*yaml.RNode, error) {
	if o, d := nodes.Origin(), nodes.Dest(); o != nil && d != nil && o.YNode() != nil && d.YNode() != nil {
		on, dn := o.YNode(), d.YNode()
		on.HeadComment = cmp.Or(on.HeadComment, dn.HeadComment)
		on.LineComment = cmp.Or(on.LineComment, dn.LineComment)
		on.FootComment = cmp.Or(on.FootComment, dn.FootComment)
	}
	return c.Merger.VisitScalar(nodes, s)
}

// NewObjects is every object the fixes create, as one multi-document
// manifest with the comments the user must act on.
func NewObjects(res *Result) []byte {
	var b strings.Builder
	for _, f := range res.Fixes {
		if f.Object == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("---\n")
		}
		b.WriteString("# " + comment(f.Plan) + "\n")
		for _, w := range f.Warnings {
			b.WriteString("# WARNING: " + comment(w) + "\n")
		}
		b.Write(f.Manifest)
	}
	return []byte(b.String())
}

// mergeIndexed merges, and takes out of patch, the parts of it at an
// indexed key ("workerGroupSpecs[0]": a custom resource's pod template in
// a list without a name key, such as a Ray worker group): they go into
// that element of node's list, which a merge by keys could not find.
func mergeIndexed(node, patch *yaml.RNode, merge func(dst, src *yaml.RNode) (*yaml.RNode, error)) error {
	if node == nil || patch.YNode().Kind != yaml.MappingNode {
		return nil
	}
	keys, err := patch.Fields()
	if err != nil {
		return err
	}
	for _, key := range keys {
		sub := patch.Field(key).Value
		name, idx, indexed := strings.Cut(key, "[")
		if !indexed {
			if f := node.Field(key); f != nil {
				if err := mergeIndexed(f.Value, sub, merge); err != nil {
					return err
				}
			}
			continue
		}
		i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		if err != nil {
			return fmt.Errorf("field %s: not an index", key)
		}
		list := node.Field(name)
		if list == nil || list.Value.YNode().Kind != yaml.SequenceNode || i < 0 || i >= len(list.Value.YNode().Content) {
			return fmt.Errorf("field %s: no such element", key)
		}
		elem := yaml.NewRNode(list.Value.YNode().Content[i])
		if err := mergeIndexed(elem, sub, merge); err != nil {
			return err
		}
		merged, err := merge(elem, sub)
		if err != nil {
			return err
		}
		list.Value.YNode().Content[i] = merged.YNode()
		if _, err := patch.Pipe(yaml.Clear(key)); err != nil {
			return err
		}
	}
	return nil
}
