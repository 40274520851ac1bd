package applier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/tiergate/tiergate/remediate"
)

func deployment(env string, rc any) *unstructured.Unstructured {
	spec := map[string]any{
		"containers": []any{map[string]any{
			"name": "agent", "image": "agent:1",
			"env": []any{map[string]any{"name": "OPENAI_API_KEY", "value": env}, map[string]any{"name": "FROM_SECRET", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}},
		}},
	}
	if rc != nil {
		spec["runtimeClassName"] = rc
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{
			"name": "agent", "namespace": "ns", "resourceVersion": "7", "generation": int64(3),
			"annotations":   map[string]any{"kubectl.kubernetes.io/last-applied-configuration": `{"env":"` + env + `"}`},
			"managedFields": []any{map[string]any{"manager": "kubectl"}},
		},
		"spec":   map[string]any{"template": map[string]any{"spec": spec}},
		"status": map[string]any{"replicas": int64(1)},
	}}
}

func TestDiffHidesSecretsAndNoise(t *testing.T) {
	target := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "agent"}
	live, after := deployment("sk-secret", nil), deployment("sk-secret", "kata-qemu")
	after.SetResourceVersion("8")
	d, changed, err := diff(target, live, after)
	if err != nil {
		t.Fatal(err)
	}
	if !changed || !strings.Contains(d, "+      runtimeClassName: kata-qemu") {
		t.Errorf("diff lacks the change:\n%s", d)
	}
	for _, hidden := range []string{"sk-secret", "managedFields", "resourceVersion", "last-applied", "replicas"} {
		if strings.Contains(d, hidden) {
			t.Errorf("diff shows %q:\n%s", hidden, d)
		}
	}
	y, err := render(live)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(y, "value: "+redacted) || !strings.Contains(y, "secretKeyRef") || strings.Contains(y, "sk-secret") {
		t.Errorf("env values should read %q, references stay:\n%s", redacted, y)
	}
	// Only ignored fields differ: no change.
	if _, changed, _ := diff(target, live, deployment("sk-secret", nil)); changed {
		t.Error("a write that changes only resourceVersion-like fields counts as a change")
	}
	// A new object diffs against nothing.
	d, changed, _ = diff(target, nil, after)
	if !changed || !strings.Contains(d, "--- (does not exist)") {
		t.Errorf("creation diff:\n%s", d)
	}
}

func TestItemsOrderAndSkip(t *testing.T) {
	rc := remediate.Target{APIVersion: "node.k8s.io/v1", Kind: "RuntimeClass", Name: "kata-qemu"}
	np := remediate.Target{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: "ns", Name: "agent-egress"}
	dep := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "agent"}
	pod := remediate.Target{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "bare"}
	res := &remediate.Result{
		Fixes: []remediate.Fix{
			{Target: dep, Plan: "raise"},
			{Target: np, Plan: "policy", Object: &networkingv1.NetworkPolicy{}},
			{Target: rc, Plan: "class", Object: &networkingv1.NetworkPolicy{}},
			{Target: pod, Plan: "harden", Recreate: true},
		},
		Changes: []remediate.Change{{Target: dep, Patch: []byte(`{"spec":{}}`)}, {Target: pod, Patch: []byte(`{"spec":{}}`), Recreate: true}},
	}
	items, skipped, err := Items(res, remediate.HoldOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Target.Kind)
	}
	if strings.Join(got, ",") != "RuntimeClass,NetworkPolicy,Deployment" {
		t.Errorf("order %v, want classes, policies, patches", got)
	}
	if len(skipped) != 1 || skipped[0].Target != pod || !strings.Contains(skipped[0].Reason, "cannot change in place") {
		t.Errorf("skipped %+v", skipped)
	}
}

// TestItemsNeedTheClassTheyName: a patch naming a RuntimeClass the fixes
// create is not sent when creating it failed.
func TestItemsNeedTheClassTheyName(t *testing.T) {
	rc := remediate.Target{APIVersion: "node.k8s.io/v1", Kind: "RuntimeClass", Name: "kata-qemu"}
	a := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "x", Name: "a"}
	b := remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "y", Name: "b"}
	res := &remediate.Result{
		Fixes: []remediate.Fix{
			{Kind: remediate.KindNewRuntimeClass, Target: rc, RuntimeClass: "kata-qemu", Object: &networkingv1.NetworkPolicy{}},
			{Kind: remediate.KindRuntime, Target: a, RuntimeClass: "kata-qemu", Warnings: []string{"would leave the pod Pending"}, Pending: true},
			{Kind: remediate.KindRuntime, Target: b, RuntimeClass: "kata-qemu"},
		},
		Changes: []remediate.Change{{Target: a, Patch: []byte(`{}`)}, {Target: b, Patch: []byte(`{}`)}},
	}
	items, _, err := Items(res, remediate.HoldOptions{AllowPending: true})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	outs := Each(context.Background(), items, func(_ context.Context, it Item) Outcome {
		sent++
		if it.Target == rc {
			return Outcome{Item: it, Err: errors.New("forbidden")}
		}
		return Outcome{Item: it, Changed: true}
	})
	if sent != 1 || outs[1].Skipped == "" || outs[2].Skipped == "" {
		t.Errorf("sent %d; outcomes %+v", sent, outs)
	}
	if len(Ready(outs)) != 0 {
		t.Errorf("ready %v", Ready(outs))
	}
	if items[1].Warnings == nil || items[1].Warnings[0] != "would leave the pod Pending" {
		t.Errorf("warnings not carried: %v", items[1].Warnings)
	}
	if p := Pending(items); len(p) != 1 || p[0].Target != a {
		t.Errorf("pending items %v, want only %s", p, a)
	}
}

// TestRefuse: a controller-owned target and an existing object tiergate
// did not create are never written.
func TestRefuse(t *testing.T) {
	yes := true
	owned := deployment("x", nil)
	owned.SetOwnerReferences([]metav1.OwnerReference{{Kind: "LeaderWorkerSet", Name: "lws", Controller: &yes}})
	theirs := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "agent-egress"}}}
	ours := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "agent-egress", "labels": map[string]any{"app.kubernetes.io/managed-by": "tiergate"}}}}
	create := Item{Object: []byte(`{}`)}
	for _, tt := range []struct {
		name string
		it   Item
		live *unstructured.Unstructured
		want string
	}{
		{"patch of a free object", Item{Patch: []byte(`{}`)}, deployment("x", nil), ""},
		{"patch of a controlled object", Item{Patch: []byte(`{}`)}, owned, "controlled by LeaderWorkerSet/lws"},
		{"create over someone else's object", create, theirs, "not created by tiergate"},
		{"create over tiergate's own", create, ours, ""},
		{"create of a new object", create, nil, ""},
	} {
		if got := refuse(tt.it, tt.live); (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestReadOwnersKeepsTargetOrderForGaps(t *testing.T) {
	scheme := runtime.NewScheme()
	objs := []runtime.Object{}
	var targets []remediate.Target
	for i := range 20 {
		d := deployment("x", nil)
		d.SetName(fmt.Sprintf("agent-%02d", i))
		if i%3 != 0 { // every third is missing
			objs = append(objs, d)
		}
		targets = append(targets, remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: d.GetName()})
	}
	targets = append(targets, remediate.Target{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "not-an-owner"})
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme,
		map[schema.GroupVersionResource]string{{Group: "apps", Version: "v1", Resource: "deployments"}: "DeploymentList"}, objs...)
	owners, gaps := ReadOwners(context.Background(), client, targets)
	if len(owners) != len(objs) {
		t.Errorf("read %d owners, want %d", len(owners), len(objs))
	}
	for i, tg := range targets[:20] {
		w, ok := owners[tg]
		if ok != (i%3 != 0) {
			t.Errorf("%s read=%v", tg, ok)
		}
		if ok && (w.Name != tg.Name || w.Kind != "Deployment" || len(w.Templates) != 1) {
			t.Errorf("%s read as %s/%s with %d templates", tg, w.Kind, w.Name, len(w.Templates))
		}
	}
	if len(gaps) != 7 || !strings.HasPrefix(gaps[0], "Deployment/ns/agent-00:") || !strings.HasPrefix(gaps[6], "Deployment/ns/agent-18:") || !strings.Contains(gaps[1], "not found") {
		t.Errorf("gaps should name each missing owner in order: %q", gaps)
	}
}

// TestReadLiveNotesGitOps: the objects read live are checked for a
// delivery tool's marks, managedFields included; a ServiceAccount, which
// has no pod template, is checked too.
func TestReadLiveNotesGitOps(t *testing.T) {
	helm := deployment("x", nil)
	helm.SetName("helm-agent")
	helm.SetLabels(map[string]string{"app.kubernetes.io/managed-by": "Helm"})
	argo := deployment("x", nil)
	argo.SetName("argo-agent")
	argo.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "argocd-controller", Operation: metav1.ManagedFieldsOperationApply}})
	plain := deployment("x", nil)
	sa := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ServiceAccount",
		"metadata": map[string]any{"name": "runner", "namespace": "ns", "labels": map[string]any{"kustomize.toolkit.fluxcd.io/name": "apps"}}}}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		{Group: "apps", Version: "v1", Resource: "deployments"}: "DeploymentList",
		{Version: "v1", Resource: "serviceaccounts"}:            "ServiceAccountList",
	}, helm, argo, plain, sa)
	target := func(kind, name string) remediate.Target {
		v := "apps/v1"
		if kind == "ServiceAccount" {
			v = "v1"
		}
		return remediate.Target{APIVersion: v, Kind: kind, Namespace: "ns", Name: name}
	}
	live := ReadLive(context.Background(), client, []remediate.Target{target("Deployment", "helm-agent"), target("Deployment", "argo-agent"), target("Deployment", "agent"), target("ServiceAccount", "runner")})
	got := map[string]string{}
	for t, g := range live.GitOps {
		got[t.Name] = g.Tool + " by " + g.Evidence
	}
	want := map[string]string{"helm-agent": "Helm by label app.kubernetes.io/managed-by=Helm", "argo-agent": "Argo CD by field manager argocd-controller", "runner": "Flux by label kustomize.toolkit.fluxcd.io/name=apps"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("GitOps %v, want %v", got, want)
	}
	if len(live.Owners) != 3 || len(live.Gaps) != 0 {
		t.Errorf("%d owners read, gaps %v", len(live.Owners), live.Gaps)
	}
}
