package applier

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

// TestScriptAndApplyChangeTheSameObjects renders one result both ways,
// the patch script and the items --apply sends, and holds the objects
// each would change equal, with and without --allow-pending: one plan,
// one set of held-back changes.
func TestScriptAndApplyChangeTheSameObjects(t *testing.T) {
	files, err := filepath.Glob("../remediate/testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]*remediate.Result{"a class only a Pending change uses": pendingClassResult()}
	for _, f := range append(files, "../examples/llm-platform.yaml") {
		results[filepath.Base(f)] = computeFixes(t, f)
	}
	differs := 0
	for name, res := range results {
		t.Run(name, func(t *testing.T) {
			var sets [2][]string
			for i, allow := range []bool{false, true} {
				hold := remediate.HoldOptions{AllowPending: allow}
				var script bytes.Buffer
				if err := remediate.WriteScript(&script, res, remediate.ScriptOptions{Hold: hold}); err != nil {
					t.Fatal(err)
				}
				byScript, patches := scriptTargets(t, script.String())
				items, _, err := Items(res, hold)
				if err != nil {
					t.Fatal(err)
				}
				var byApply []string
				for _, it := range items {
					key := strings.ToLower(it.Target.String())
					byApply = append(byApply, key)
					// A strategic change is the script's patches of the
					// object, merged: the same fields.
					if it.Patch != nil && it.JSONPatch == nil {
						var want any
						if err := json.Unmarshal(it.Patch, &want); err != nil {
							t.Fatal(err)
						}
						if !equalJSON(want, patches[key]) {
							t.Errorf("--allow-pending=%v: %s: --apply sends %s, the script patches %v", allow, key, it.Patch, patches[key])
						}
					}
				}
				slices.Sort(byApply)
				if strings.Join(byScript, " ") != strings.Join(byApply, " ") {
					t.Errorf("--allow-pending=%v: the script changes\n  %v\nand --apply\n  %v", allow, byScript, byApply)
				}
				sets[i] = byApply
			}
			if !slices.Equal(sets[0], sets[1]) {
				differs++
			}
		})
	}
	// The comparison is not idle: some inputs hold changes back.
	if differs < 2 {
		t.Errorf("only %d inputs change with --allow-pending", differs)
	}
}

// scriptTargets are the objects the script's commands (not its comments)
// change, as "kind/namespace/name", sorted and unique, and the strategic
// patches of each, merged.
func scriptTargets(t *testing.T, script string) ([]string, map[string]map[string]any) {
	t.Helper()
	var out []string
	patches := map[string]map[string]any{}
	lines := strings.Split(script, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "kubectl patch "):
			f := strings.Fields(l)
			kindName := strings.SplitN(f[2], "/", 2)
			ns := strings.TrimPrefix(f[3], "--namespace=")
			key := scriptKind(t, kindName[0]) + "/" + ns + "/" + kindName[1]
			out = append(out, key)
			if f[5] == "strategic" {
				var p map[string]any
				if err := json.Unmarshal([]byte(strings.Trim(strings.SplitN(l, " -p ", 2)[1], "'")), &p); err != nil {
					t.Fatal(err)
				}
				patches[key] = deepMerge(patches[key], p)
			}
		case strings.HasPrefix(l, "kubectl apply -f - <<'"):
			eof := strings.TrimSuffix(strings.TrimPrefix(l, "kubectl apply -f - <<'"), "'")
			var doc []string
			for i++; lines[i] != eof; i++ {
				doc = append(doc, lines[i])
			}
			var obj struct {
				Kind     string
				Metadata struct{ Namespace, Name string }
			}
			if err := yaml.Unmarshal([]byte(strings.Join(doc, "\n")), &obj); err != nil {
				t.Fatal(err)
			}
			key := strings.ToLower(obj.Kind) + "/" + obj.Metadata.Name
			if obj.Metadata.Namespace != "" {
				key = strings.ToLower(obj.Kind) + "/" + obj.Metadata.Namespace + "/" + obj.Metadata.Name
			}
			out = append(out, key)
		case strings.HasPrefix(l, "kubectl"):
			t.Fatalf("a command the test does not read: %s", l)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), patches
}

func deepMerge(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range src {
		dm, ok1 := dst[k].(map[string]any)
		sm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			dst[k] = deepMerge(dm, sm)
			continue
		}
		dst[k] = v
	}
	return dst
}

func equalJSON(a any, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func computeFixes(t *testing.T, path string) *remediate.Result {
	t.Helper()
	objs, err := manifest.Read([]string{path}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	opts := audit.Options{Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	res, err := remediate.Compute(e, inv, e.Audit(inv, opts), remediate.Options{Audit: opts})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pendingClassResult: a RuntimeClass to create whose only user would stay
// Pending, next to a Deployment hardened in the same run.
func pendingClassResult() *remediate.Result {
	class := remediate.Target{APIVersion: "node.k8s.io/v1", Kind: "RuntimeClass", Name: "kata-fc"}
	dep := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "sandbox", Name: "runner"}
	manifest := []byte("apiVersion: node.k8s.io/v1\nhandler: kata-fc\nkind: RuntimeClass\nmetadata:\n  name: kata-fc\n")
	rt := json.RawMessage(`{"spec":{"template":{"spec":{"runtimeClassName":"kata-fc"}}}}`)
	sc := json.RawMessage(`{"spec":{"template":{"spec":{"securityContext":{"runAsNonRoot":true}}}}}`)
	return &remediate.Result{
		Fixes: []remediate.Fix{
			{Kind: remediate.KindNewRuntimeClass, Target: class, Workload: "Deployment/sandbox/runner", RuntimeClass: "kata-fc", Object: &networkingv1.NetworkPolicy{}, Manifest: manifest},
			{Kind: remediate.KindRuntime, Target: dep, Workload: "Deployment/sandbox/runner", RuntimeClass: "kata-fc", Pending: true, Patch: rt, PatchType: "application/strategic-merge-patch+json"},
			{Kind: remediate.KindSecurityContext, Target: dep, Workload: "Deployment/sandbox/runner", Patch: sc, PatchType: "application/strategic-merge-patch+json"},
		},
		Changes: []remediate.Change{{Target: dep, PatchType: "application/strategic-merge-patch+json",
			Patch: json.RawMessage(`{"spec":{"template":{"spec":{"runtimeClassName":"kata-fc","securityContext":{"runAsNonRoot":true}}}}}`)}},
	}
}

// scriptKind is the kind, in lower case, a script's command names: as
// such ("deployment"), or, for a kind two groups share, by resource,
// version and group ("sandboxes.v1alpha1.agents.kruise.io").
func scriptKind(t *testing.T, typ string) string {
	t.Helper()
	resource, rest, qualified := strings.Cut(typ, ".")
	if !qualified {
		return typ
	}
	_, group, _ := strings.Cut(rest, ".")
	for _, k := range kinds.All() {
		if k.Resource == resource && k.Group == group {
			return strings.ToLower(k.Kind)
		}
	}
	t.Fatalf("the script names %s, a type the registry lacks", typ)
	return ""
}
