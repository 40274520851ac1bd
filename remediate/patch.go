package remediate

import (
	"encoding/json"
	"fmt"
	"strings"

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
	a, err := json.Marshal(orig)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(mod)
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
