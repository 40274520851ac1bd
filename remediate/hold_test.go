package remediate_test

import (
	"fmt"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tiergate/tiergate/remediate"
)

// TestHold: what a run holds back, and the changes left of a target whose
// fixes are held back in part.
func TestHold(t *testing.T) {
	dep := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "agent"}
	other := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "other"}
	lws := remediate.Target{APIVersion: "leaderworkerset.x-k8s.io/v1", Kind: "LeaderWorkerSet", Namespace: "ns", Name: "lws"}
	pod := remediate.Target{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "bare"}
	class := remediate.Target{APIVersion: "node.k8s.io/v1", Kind: "RuntimeClass", Name: "kata-fc"}
	strategic := types.StrategicMergePatchType
	runtimeFix := func(t remediate.Target, pending bool) remediate.Fix {
		return remediate.Fix{Kind: remediate.KindRuntime, Target: t, RuntimeClass: "kata-fc", Pending: pending, PatchType: strategic,
			Patch: []byte(`{"spec":{"template":{"spec":{"runtimeClassName":"kata-fc"}}}}`)}
	}
	harden := remediate.Fix{Kind: remediate.KindSecurityContext, Target: dep, PatchType: strategic,
		Patch: []byte(`{"spec":{"template":{"spec":{"securityContext":{"runAsNonRoot":true}}}}}`)}
	token := remediate.Fix{Kind: remediate.KindToken, Target: dep, PatchType: strategic,
		Patch: []byte(`{"spec":{"template":{"spec":{"automountServiceAccountToken":false}}}}`)}
	newClass := remediate.Fix{Kind: remediate.KindNewRuntimeClass, Target: class, RuntimeClass: "kata-fc", Object: &networkingv1.NetworkPolicy{}}
	whole := remediate.Change{Target: dep, PatchType: strategic, Patch: []byte(`{"whole":"change"}`)}
	otherChange := remediate.Change{Target: other, PatchType: strategic, Patch: []byte(`{"other":"change"}`)}

	for _, tt := range []struct {
		name    string
		res     remediate.Result
		opts    remediate.HoldOptions
		held    string // "Kind reason-fragment include" per held fix
		changes string // target: patch, per change
	}{
		{
			name:    "nothing held: the result's own changes",
			res:     remediate.Result{Fixes: []remediate.Fix{runtimeFix(dep, false), harden}, Changes: []remediate.Change{whole}},
			changes: `Deployment/ns/agent {"whole":"change"}`,
		},
		{
			name:    "a Pending runtime change: the rest of its target goes, merged",
			res:     remediate.Result{Fixes: []remediate.Fix{runtimeFix(dep, true), harden, token}, Changes: []remediate.Change{whole}},
			held:    "runtime-class stay Pending until a node can run RuntimeClass kata-fc --allow-pending",
			changes: `Deployment/ns/agent {"spec":{"template":{"spec":{"automountServiceAccountToken":false,"securityContext":{"runAsNonRoot":true}}}}}`,
		},
		{
			name:    "--allow-pending includes it",
			res:     remediate.Result{Fixes: []remediate.Fix{runtimeFix(dep, true), harden}, Changes: []remediate.Change{whole}},
			opts:    remediate.HoldOptions{AllowPending: true},
			changes: `Deployment/ns/agent {"whole":"change"}`,
		},
		{
			name: "a target whose only fix is held has no change",
			res:  remediate.Result{Fixes: []remediate.Fix{runtimeFix(dep, true), runtimeFix(other, false)}, Changes: []remediate.Change{whole, otherChange}},
			held: "runtime-class stay Pending --allow-pending", changes: `Deployment/ns/other {"other":"change"}`,
		},
		{
			name: "a class only held-back changes use is held back with them",
			res:  remediate.Result{Fixes: []remediate.Fix{newClass, runtimeFix(dep, true)}, Changes: []remediate.Change{whole}},
			held: "new-runtime-class only held-back changes --allow-pending|runtime-class stay Pending --allow-pending",
		},
		{
			name:    "a class one applied change uses is created",
			res:     remediate.Result{Fixes: []remediate.Fix{newClass, runtimeFix(dep, true), runtimeFix(other, false)}, Changes: []remediate.Change{whole, otherChange}},
			held:    "runtime-class stay Pending --allow-pending",
			changes: `Deployment/ns/other {"other":"change"}`,
		},
		{
			name: "a custom resource's JSON patches run one after the other",
			res: remediate.Result{Fixes: []remediate.Fix{
				{Kind: remediate.KindRuntime, Target: lws, Pending: true, RuntimeClass: "kata-fc", PatchType: types.JSONPatchType, Patch: []byte(`[{"op":"add","path":"/spec/a","value":"kata-fc"}]`)},
				{Kind: remediate.KindSecurityContext, Target: lws, PatchType: types.JSONPatchType, Patch: []byte(`[{"op":"test","path":"/spec/b/0/name","value":"x"},{"op":"add","path":"/spec/b/0/c","value":1}]`)},
				{Kind: remediate.KindToken, Target: lws, PatchType: types.JSONPatchType, Patch: []byte(`[{"op":"add","path":"/spec/d","value":false}]`)},
			}, Changes: []remediate.Change{{Target: lws, PatchType: types.JSONPatchType, Patch: []byte(`{"merge":"form"}`), JSONPatch: []byte(`["all"]`)}}},
			held:    "runtime-class stay Pending --allow-pending",
			changes: `LeaderWorkerSet/ns/lws json [{"op":"test","path":"/spec/b/0/name","value":"x"},{"op":"add","path":"/spec/b/0/c","value":1},{"op":"add","path":"/spec/d","value":false}]`,
		},
		{
			name: "a pod's fixes are held back, whatever the options",
			res:  remediate.Result{Fixes: []remediate.Fix{{Kind: remediate.KindSecurityContext, Target: pod, Recreate: true}}, Changes: []remediate.Change{{Target: pod, Recreate: true, Patch: []byte(`{}`)}}},
			opts: remediate.HoldOptions{AllowPending: true},
			held: "security-context pod spec cannot change in place ",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := fmt.Sprintf("%+v", tt.res)
			p, err := remediate.Hold(&tt.res, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if after := fmt.Sprintf("%+v", tt.res); after != before {
				t.Error("Hold changed its input")
			}
			var held []string
			for _, h := range p.Held {
				held = append(held, string(h.Fix.Kind)+" "+h.Reason+" "+h.Include)
			}
			for i, want := range splitNonEmpty(tt.held) {
				if i >= len(held) || !containsAll(held[i], strings.Fields(want)) {
					t.Errorf("held %q, want %q", held, tt.held)
					break
				}
			}
			if len(held) != len(splitNonEmpty(tt.held)) {
				t.Errorf("held %q, want %q", held, tt.held)
			}
			if len(p.Go)+len(p.Held) != len(tt.res.Fixes) {
				t.Errorf("%d go and %d held of %d fixes", len(p.Go), len(p.Held), len(tt.res.Fixes))
			}
			var changes []string
			for _, c := range p.Changes {
				s := c.Target.String() + " " + string(c.Patch)
				if c.PatchType == types.JSONPatchType {
					s = c.Target.String() + " json " + string(c.JSONPatch)
				}
				changes = append(changes, strings.TrimSpace(s))
			}
			if got := strings.Join(changes, "|"); got != tt.changes {
				t.Errorf("changes\n  %s\nwant\n  %s", got, tt.changes)
			}
		})
	}
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
