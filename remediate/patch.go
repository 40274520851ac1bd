package remediate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// specPatch returns the strategic merge patch from orig to mod, nested at
// specPath ("spec.template.spec") and without the $setElementOrder
// directives: what is left sets only the changed fields, merging lists by
// their keys (containers by name, volumes by name, mounts by mountPath),
// which is also what a server-side apply of the same body does. It never
// holds a field the fix did not change, so env values are never in it.
func specPatch(orig, mod *corev1.PodSpec, specPath string) ([]byte, error) {
	a, b, err := marshalPair(orig, mod)
	if err != nil {
		return nil, err
	}
	raw, err := strategicpatch.CreateTwoWayMergePatch(a, b, corev1.PodSpec{})
	if err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	stripDirectives(p)
	if len(p) == 0 {
		return nil, nil
	}
	var nested any = p
	parts := strings.Split(specPath, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		nested = map[string]any{parts[i]: nested}
	}
	return json.Marshal(nested)
}

// jsonOps is the JSON patch (RFC 6902) from orig to mod, at specPath in
// the object: what a custom resource takes, the API server having no
// strategic merge for it. Tests guard it against an object that moved on
// since it was read: before the first op in a container, the container's
// name; before an op that inserts into or removes from a list (volumes,
// mounts, capabilities), the whole list as it was. A patch run twice, or
// against a changed object, then fails instead of adding a second /tmp.
func jsonOps(orig, mod *corev1.PodSpec, specPath string) ([]any, error) {
	a, b, err := marshalPair(orig, mod)
	if err != nil {
		return nil, err
	}
	diff, err := jsonpatch.CreatePatch(a, b)
	if err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	// The library walks maps in Go's random order but emits each list's
	// ops in the order they must run (removals from the end first). Sort
	// stably by a key that keeps a list's own ops together, in their order.
	sort.SliceStable(diff, func(i, j int) bool { return opKey(diff[i]) < opKey(diff[j]) })
	var before any
	if err := json.Unmarshal(a, &before); err != nil {
		return nil, err
	}
	prefix := pointer(specPath)
	var ops []any
	tested := map[string]bool{}
	test := func(path string, value any) {
		if !tested[path] {
			tested[path] = true
			ops = append(ops, map[string]any{"op": "test", "path": prefix + path, "value": value})
		}
	}
	for _, op := range diff {
		if m := containerIndex.FindStringSubmatch(op.Path); m != nil {
			list := orig.Containers
			if m[1] == "initContainers" {
				list = orig.InitContainers
			}
			if i, err := strconv.Atoi(m[2]); err == nil && i < len(list) {
				test(m[0]+"/name", list[i].Name)
			}
		}
		if parent, ok := listElement(op); ok {
			if v, found := valueAt(before, parent); found {
				test(parent, v)
			}
		}
		o := map[string]any{"op": op.Operation, "path": prefix + op.Path}
		if op.Operation != "remove" {
			o["value"] = op.Value
		}
		ops = append(ops, o)
	}
	return ops, nil
}

// listElement reports whether an op inserts or removes a list element, and
// the list's path.
func listElement(op jsonpatch.Operation) (string, bool) {
	if op.Operation != "add" && op.Operation != "remove" {
		return "", false
	}
	i := strings.LastIndexByte(op.Path, '/')
	if _, err := strconv.Atoi(op.Path[i+1:]); err != nil {
		return "", false
	}
	return op.Path[:i], true
}

// opKey orders ops deterministically: an insertion or removal in a list
// sorts by the list's path, so that the list's ops keep their order.
func opKey(op jsonpatch.Operation) string {
	if parent, ok := listElement(op); ok {
		return parent
	}
	return op.Path
}

// valueAt reads a JSON pointer in a decoded document.
func valueAt(doc any, ptr string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// containerIndex matches the container an op path is inside.
var containerIndex = regexp.MustCompile(`^/(containers|initContainers)/(\d+)`)

// pointer turns a dotted field path ("spec.template.spec",
// "spec.groups[0].template.spec") into a JSON pointer.
func pointer(path string) string {
	var b strings.Builder
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name))
		if idx != "" {
			b.WriteString("/" + strings.TrimSuffix(idx, "]"))
		}
	}
	return b.String()
}

// mergeNested lays the nested patch p (JSON) over m: the patches of
// several pod templates of one object, at disjoint paths.
func mergeNested(m map[string]any, p []byte) (map[string]any, error) {
	if p == nil {
		return m, nil
	}
	var n map[string]any
	if err := json.Unmarshal(p, &n); err != nil {
		return nil, err
	}
	if m == nil {
		return n, nil
	}
	var lay func(dst, src map[string]any)
	lay = func(dst, src map[string]any) {
		for k, v := range src {
			if dm, ok := dst[k].(map[string]any); ok {
				if sm, ok := v.(map[string]any); ok {
					lay(dm, sm)
					continue
				}
			}
			dst[k] = v
		}
	}
	lay(m, n)
	return m, nil
}

// marshalPair encodes the pod spec before and after a fix.
func marshalPair(orig, mod *corev1.PodSpec) ([]byte, []byte, error) {
	a, err := json.Marshal(orig)
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(mod)
	return a, b, err
}

// stripDirectives drops "$setElementOrder/..." and other "$" keys: the
// fixes only add and set fields, so the order of list elements is the
// server's business and nothing is deleted.
func stripDirectives(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasPrefix(k, "$") {
				delete(t, k)
				continue
			}
			stripDirectives(x)
		}
	case []any:
		for _, x := range t {
			stripDirectives(x)
		}
	}
}

// ApplyBody is the body of a server-side apply of a patch: the patch
// with apiVersion, kind and metadata. Apply the combined patch of a target
// (Result.Changes), not its fixes one by one: an apply by the same field
// manager drops the fields an earlier apply set and this one does not.
func ApplyBody(t Target, patch []byte) ([]byte, error) {
	body := map[string]any{}
	if len(patch) > 0 {
		if err := json.Unmarshal(patch, &body); err != nil {
			return nil, err
		}
	}
	body["apiVersion"] = t.APIVersion
	body["kind"] = t.Kind
	meta := map[string]any{"name": t.Name}
	if t.Namespace != "" {
		meta["namespace"] = t.Namespace
	}
	body["metadata"] = meta
	return json.Marshal(body)
}
