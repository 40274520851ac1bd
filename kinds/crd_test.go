package kinds

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tiergate/tiergate/internal/crds"
)

// TestCustomKindsAreTheirReleasedCRDs checks every custom kind against
// its project's released CRD (internal/crds): group, kind, plural and
// scope; the versions it is read in are the ones the CRD serves, the
// stored one first; kubectl knows its short name; and in every version
// each template path leads, through the schema, to a pod spec (an object
// with containers).
func TestCustomKindsAreTheirReleasedCRDs(t *testing.T) {
	n := 0
	for _, k := range All() {
		if k.Typed != nil {
			continue
		}
		n++
		src, ok := crds.For(schema.GroupKind{Group: k.Group, Kind: k.Kind})
		if !ok {
			t.Errorf("%s: no released CRD of %s in internal/crds", k.Kind, k.Group)
			continue
		}
		crd, err := crds.Read(src)
		if err != nil {
			t.Fatal(err)
		}
		spec := crd.Object["spec"].(map[string]any)
		names := spec["names"].(map[string]any)
		if names["plural"] != k.Resource || (spec["scope"] == "Namespaced") != k.Namespaced {
			t.Errorf("%s: the CRD's plural %v and scope %v; the registry says %s, namespaced %v", k.Kind, names["plural"], spec["scope"], k.Resource, k.Namespaced)
		}
		if !slices.Equal(sorted(k.Versions), sorted(src.Versions)) || k.Version != src.Storage || len(k.Versions) == 0 || k.Versions[0] != k.Version {
			t.Errorf("%s: versions %v (%s first); the CRD serves %v and stores %s", k.Kind, k.Versions, k.Version, src.Versions, src.Storage)
		}
		if k.Short != "" {
			short, _, _ := unstructured.NestedStringSlice(crd.Object, "spec", "names", "shortNames")
			if !slices.Contains(short, k.Short) && names["singular"] != k.Short && strings.ToLower(k.Kind) != k.Short {
				t.Errorf("%s: short name %q, the CRD's are %v", k.Kind, k.Short, short)
			}
		}
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		for _, v := range versions {
			v := v.(map[string]any)
			root, _, _ := unstructured.NestedMap(v, "schema", "openAPIV3Schema")
			for _, tm := range k.Templates {
				if !podSpecAt(root, tm.Path) {
					t.Errorf("%s %s: no pod spec at %s in the CRD's schema", k.Kind, v["name"], tm.Path)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("%d custom kinds", n)
	}
}

// podSpecAt follows a template path ("[*]" for a list's items) through
// an OpenAPI schema and says it ends at an object with containers, or
// reaches a field whose schema the CRD leaves open
// (x-kubernetes-preserve-unknown-fields without properties: OpenKruise's
// and OpenSandbox's templates) under the name "template" or
// "podTemplate": the API server then keeps whatever pod template is
// written there, and the fixtures say where it sits.
func podSpecAt(s map[string]any, path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if open, _ := s["x-kubernetes-preserve-unknown-fields"].(bool); open && s["properties"] == nil {
			return strings.Contains(path, ".template.") || strings.Contains(path, ".podTemplate.")
		}
		name, list := strings.CutSuffix(seg, "[*]")
		props, _ := s["properties"].(map[string]any)
		next, ok := props[name].(map[string]any)
		if !ok {
			return false
		}
		if list {
			if next, ok = next["items"].(map[string]any); !ok {
				return false
			}
		}
		s = next
	}
	props, _ := s["properties"].(map[string]any)
	_, ok := props["containers"]
	return ok
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
