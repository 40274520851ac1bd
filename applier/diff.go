package applier

import (
	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/remediate"
)

// redacted replaces values that must never be shown.
const redacted = "(redacted)"

// diff renders live and result as YAML, without the fields that change on
// every write and with secret-bearing values hidden, and returns their
// unified diff.
func diff(t remediate.Target, live, result *unstructured.Unstructured) (string, bool, error) {
	a, err := render(live)
	if err != nil {
		return "", false, err
	}
	b, err := render(result)
	if err != nil {
		return "", false, err
	}
	if a == b {
		return "", false, nil
	}
	from := "live " + t.String()
	if live == nil {
		from = "(does not exist)"
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: from, ToFile: "after tiergate fix " + t.String(), Context: 3,
	})
	return d, true, err
}

func render(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	obj := u.DeepCopy().Object
	unstructured.RemoveNestedField(obj, "metadata", "managedFields")
	unstructured.RemoveNestedField(obj, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(obj, "metadata", "generation")
	unstructured.RemoveNestedField(obj, "status")
	// kubectl's last-applied annotation holds the whole spec, env values
	// included.
	unstructured.RemoveNestedField(obj, "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration")
	if ann, ok, _ := unstructured.NestedMap(obj, "metadata", "annotations"); ok && len(ann) == 0 {
		unstructured.RemoveNestedField(obj, "metadata", "annotations")
	}
	hideEnvValues(obj)
	y, err := yaml.Marshal(obj)
	return string(y), err
}

// hideEnvValues replaces every env[].value in the object.
func hideEnvValues(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "env" {
				if list, ok := x.([]any); ok {
					for _, e := range list {
						if m, ok := e.(map[string]any); ok {
							if _, has := m["value"]; has {
								m["value"] = redacted
							}
						}
					}
					continue
				}
			}
			hideEnvValues(x)
		}
	case []any:
		for _, x := range t {
			hideEnvValues(x)
		}
	}
}
