package kinds

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// TestTypedKindsAgreeWithTheScheme checks every kind with a Go type
// against client-go's scheme: the type is registered under the kind's
// group, version and kind, and the resource is the one the REST mapper
// derives from it.
func TestTypedKindsAgreeWithTheScheme(t *testing.T) {
	for _, k := range All() {
		if k.Typed == nil {
			continue
		}
		obj := k.Typed.New()
		gvks, _, err := scheme.Scheme.ObjectKinds(obj)
		if err != nil {
			t.Errorf("%s: %v", k.Kind, err)
			continue
		}
		if !slices.Contains(gvks, k.GVK()) {
			t.Errorf("%s: the scheme registers %T as %v, the registry says %v", k.Kind, obj, gvks, k.GVK())
		}
		if plural, _ := meta.UnsafeGuessKindToResource(k.GVK()); plural.Resource != k.Resource {
			t.Errorf("%s: resource %q, the REST mapper's rule gives %q", k.Kind, k.Resource, plural.Resource)
		}
		if got, ok := ForObject(obj); !ok || got != k {
			t.Errorf("ForObject(%T) = %v, %v", obj, got, ok)
		}
	}
	if _, ok := ForObject(&unstructured.Unstructured{}); ok {
		t.Error("ForObject found a kind for an unstructured object")
	}
}

// TestPodTemplateAccessorsMatchTheirPaths marks the pod template the
// typed accessor returns and finds the mark at the registry's path in the
// object as the API server would serialise it.
func TestPodTemplateAccessorsMatchTheirPaths(t *testing.T) {
	for _, k := range All() {
		if k.Typed == nil || k.Typed.PodTemplate == nil {
			continue
		}
		if len(k.Templates) != 1 {
			t.Errorf("%s: a typed pod template accessor, %d template paths", k.Kind, len(k.Templates))
			continue
		}
		obj := k.Typed.New()
		k.Typed.PodTemplate(obj).Spec.NodeName = "marked"
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		path := append(strings.Split(k.Templates[0].Path, "."), "nodeName")
		if got, _, _ := unstructured.NestedString(u, path...); got != "marked" {
			t.Errorf("%s: the accessor's template is not at %s", k.Kind, k.Templates[0].Path)
		}
	}
}

// TestEntriesAreConsistent checks what one field of an entry implies of
// the others.
func TestEntriesAreConsistent(t *testing.T) {
	for _, k := range All() {
		if k.Kind == "" || k.Resource == "" || (k.Group == "" && k.Version == "") {
			t.Errorf("%+v: kind, resource and group or version are required", k)
		}
		if got, ok := ForGroupKind(k.GVK().GroupKind()); !ok || got != k {
			t.Errorf("ForGroupKind(%s) = %v, %v", k.GVK().GroupKind(), got, ok)
		}
		if got, ok := Lookup(k.Kind); Ambiguous(k.Kind) == (ok && got == k) {
			t.Errorf("Lookup(%s) = %v, %v: a name one group declares is found by it alone, one two groups declare is not", k.Kind, got, ok)
		}
		if k.Version != "" {
			if got, ok := ForAPIVersion(k.APIVersion(), k.Kind); !ok || got != k {
				t.Errorf("ForAPIVersion(%s, %s) = %v, %v", k.APIVersion(), k.Kind, got, ok)
			}
		}
		if k.Watch != nil && (!slices.Contains(k.RBAC.Read, "list") || !slices.Contains(k.RBAC.Read, "watch")) {
			t.Errorf("%s: watched without list and watch in its read verbs %v", k.Kind, k.RBAC.Read)
		}
		if k.Watch != nil && k.Version == "" {
			t.Errorf("%s: watched without a version", k.Kind)
		}
		if len(k.RBAC.Apply) > 0 && (k.Patch == NoPatch || k.Recreate || k.Version == "") {
			t.Errorf("%s: applied (%v) but patch style %q, recreate %v, version %q", k.Kind, k.RBAC.Apply, k.Patch, k.Recreate, k.Version)
		}
		if len(k.RBAC.Apply) > 0 && !slices.Contains(k.RBAC.Read, "get") && k.Patch == JSONPatch {
			t.Errorf("%s: a JSON patch is computed from the object read, but get is not among %v", k.Kind, k.RBAC.Read)
		}
		if k.Typed != nil && k.Patch == JSONPatch {
			t.Errorf("%s: a built-in type takes strategic merge patches", k.Kind)
		}
		if k.Typed == nil && k.Patch == StrategicMerge {
			t.Errorf("%s: a strategic merge patch needs the Go type's patch strategy", k.Kind)
		}
		// A patch of an existing built-in object is merged with the fields
		// tiergate applied before (applier); a created object is sent whole.
		if patched := k.Patch == StrategicMerge && slices.Equal(k.RBAC.Apply, applied); k.Typed != nil && (k.Typed.Owned != nil) != patched {
			t.Errorf("%s: server-side applied as a patch (apply verbs %v) needs the fields tiergate owns, and only then", k.Kind, k.RBAC.Apply)
		}
		if (k.Reverts || k.ChildHashLabel != "") && k.Creates == "" {
			t.Errorf("%s: reverts or names what it creates, but creates nothing", k.Kind)
		}
		if k.Templateless && len(k.Templates) > 0 {
			t.Errorf("%s: templateless with templates", k.Kind)
		}
		for _, tm := range k.Templates {
			if !strings.HasSuffix(tm.Path, "spec") || (len(k.Templates) > 1) != (tm.Role != "") {
				t.Errorf("%s: template %+v: a path ends at a spec, and roles name templates among several", k.Kind, tm)
			}
		}
	}
	if k, ok := HashNamer("ReplicaSet"); !ok || k != Deployment {
		t.Errorf("HashNamer(ReplicaSet) = %v, %v", k, ok)
	}
	if _, ok := HashNamer("Pod"); ok {
		t.Error("a controller of pods names them by hash")
	}
}

// TestShortNamesAreTheViewsNames pins the names the view shows
// ("ns/sts/name", from ShortNames): kubectl's short names, lower-case kind
// otherwise, as they were before the view asked the registry.
func TestShortNamesAreTheViewsNames(t *testing.T) {
	view := map[string]string{
		"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "ReplicaSet": "rs", "CronJob": "cj",
		"Job": "job", "LeaderWorkerSet": "lws", "InferenceService": "isvc",
	}
	for _, k := range All() {
		if !k.Workload() || k == Pod {
			continue
		}
		want, pinned := view[k.Kind]
		switch {
		case pinned && Ambiguous(k.Kind):
			t.Errorf("the view names %s, which two groups declare", k.Kind)
		case !pinned && k.Short != "":
			want = k.Short // new to the view: kubectl's short name
		case !pinned:
			want = strings.ToLower(k.Kind)
		}
		if k.ShortName() != want {
			t.Errorf("%s shows as %q, the view shows %q", k.Kind, k.ShortName(), want)
		}
	}
	for kind := range view {
		if _, ok := Lookup(kind); !ok {
			t.Errorf("the view names %s, which the registry lacks", kind)
		}
	}
}

// TestDeployRolesGrantTheRegistrysVerbs reads the ClusterRoles users bind
// (deploy/rbac): tiergate-readonly grants every kind's read verbs,
// tiergate-apply its apply verbs, and tiergate-apply writes no kind
// beyond what the registry says.
func TestDeployRolesGrantTheRegistrysVerbs(t *testing.T) {
	readonly := role(t, "tiergate-readonly.yaml")
	apply := role(t, "tiergate-apply.yaml")
	for _, k := range All() {
		if missing := lacking(readonly, k.Group, k.Resource, k.RBAC.Read); len(missing) > 0 {
			t.Errorf("tiergate-readonly lacks %v on %s", missing, k.GVR().GroupResource())
		}
		if missing := lacking(apply, k.Group, k.Resource, k.RBAC.Apply); len(missing) > 0 {
			t.Errorf("tiergate-apply lacks %v on %s", missing, k.GVR().GroupResource())
		}
	}
	for _, r := range apply.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				k := byResource(g, res)
				if k == nil {
					t.Errorf("tiergate-apply grants %v on %s.%s, a kind the registry lacks", r.Verbs, res, g)
					continue
				}
				if extra := lacking(&rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{{APIGroups: []string{g}, Resources: []string{res}, Verbs: k.RBAC.Apply}}}, g, res, r.Verbs); len(extra) > 0 {
					t.Errorf("tiergate-apply grants %v on %s, beyond the registry's %v", extra, k.GVR().GroupResource(), k.RBAC.Apply)
				}
			}
		}
	}
}

func role(t *testing.T, file string) *rbacv1.ClusterRole {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", "rbac", file))
	if err != nil {
		t.Fatal(err)
	}
	var r rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(b, &r); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if r.Kind != "ClusterRole" || len(r.Rules) == 0 {
		t.Fatalf("%s: not a ClusterRole with rules", file)
	}
	return &r
}

// lacking are the verbs of want that no rule of r grants on the
// resource.
func lacking(r *rbacv1.ClusterRole, group, resource string, want []string) []string {
	var out []string
	for _, v := range want {
		granted := false
		for _, rule := range r.Rules {
			if slices.Contains(rule.APIGroups, group) && slices.Contains(rule.Resources, resource) && (slices.Contains(rule.Verbs, v) || slices.Contains(rule.Verbs, "*")) {
				granted = true
			}
		}
		if !granted {
			out = append(out, v)
		}
	}
	return out
}

func byResource(group, resource string) *Kind {
	for _, k := range All() {
		if k.Group == group && k.Resource == resource {
			return k
		}
	}
	return nil
}
