package applier

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
	items, skipped, err := Items(res)
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
