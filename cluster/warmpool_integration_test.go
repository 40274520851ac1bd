//go:build integration

package cluster_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/policy"
)

const (
	warmNamespace = "warmpool"
	warmTemplate  = "python-template"
	warmPool      = "python-pool"
	// warmRC is a RuntimeClass of this test's own (cluster-scoped: the
	// other tests' are left alone); runsc is gVisor's handler.
	warmRC = "warm-gvisor"
)

// TestWarmPoolStaleLive: on the real API server with agent-sandbox's
// released CRDs, a SandboxTemplate, its SandboxWarmPool and what the
// controllers would make of them (no controller runs in the lab: the
// Sandboxes and pods are made as agent-sandbox's source makes them, with
// its labels and owners), two warm and one a claim took. As made, nothing
// is stale and the template counts its three sandboxes. Then the template
// moves to gVisor: live, the two warm pods get TG-ISO-006 naming the old
// and the new isolation (the claimed one does not), the template counts
// two stale, and the offline audit of the same objects as kubectl get -o
// yaml prints them says the same. Under Recreate, nothing is stale.
func TestWarmPoolStaleLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clients, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	readyNamespace(ctx, t, clients.Kube, warmNamespace, true)
	t.Cleanup(func() {
		_ = clients.Kube.NodeV1().RuntimeClasses().Delete(context.Background(), warmRC, metav1.DeleteOptions{})
	})
	ctr := map[string]any{"name": "python-runtime", "image": "registry.example.com/sandbox/python-runtime:3.12"}
	objs := []*unstructured.Unstructured{
		{Object: map[string]any{"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": map[string]any{"name": warmRC}, "handler": "runsc"}},
		{Object: map[string]any{"apiVersion": kinds.SandboxTemplate.APIVersion(), "kind": kinds.SandboxTemplate.Kind,
			"metadata": map[string]any{"name": warmTemplate, "namespace": warmNamespace},
			"spec":     map[string]any{"podTemplate": map[string]any{"spec": map[string]any{"containers": []any{ctr}}}}}},
		{Object: map[string]any{"apiVersion": kinds.SandboxWarmPool.APIVersion(), "kind": kinds.SandboxWarmPool.Kind,
			"metadata": map[string]any{"name": warmPool, "namespace": warmNamespace},
			"spec":     map[string]any{"replicas": int64(2), "sandboxTemplateRef": map[string]any{"name": warmTemplate}}}},
		{Object: map[string]any{"apiVersion": kinds.SandboxClaim.APIVersion(), "kind": kinds.SandboxClaim.Kind,
			"metadata": map[string]any{"name": "alice", "namespace": warmNamespace},
			"spec":     map[string]any{"warmPoolRef": map[string]any{"name": warmPool}}}},
	}
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		t.Fatal(err)
	}
	if err := seed.Apply(ctx, cl.Config, objs); err != nil {
		t.Fatal(err)
	}
	pool := getCustom(ctx, t, clients, kinds.SandboxWarmPool, warmPool)
	claim := getCustom(ctx, t, clients, kinds.SandboxClaim, "alice")
	// Two warm sandboxes the pool made, and one a claim adopted: its
	// controller is the claim and the pool's label is gone
	// (sandboxclaim_controller.go, completeAdoption).
	makeSandbox(ctx, t, clients, "python-pool-7xk2p", pool, true)
	makeSandbox(ctx, t, clients, "python-pool-m4q9z", pool, true)
	makeSandbox(ctx, t, clients, "python-pool-c8d3f", claim, false)

	src, err := cluster.NewSource(ctx, clients, cluster.Options{Namespace: warmNamespace, Coalesce: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src.Start(ctx)
	defer src.Stop()
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	live := func(until func(*audit.Report) bool) *audit.Report {
		t.Helper()
		for {
			rep := e.Audit(src.Snapshot().Inventory, audit.Options{Now: time.Now()})
			if until(rep) {
				return rep
			}
			if ctx.Err() != nil {
				t.Fatalf("live audit never got there; last: %s", staleSummary(rep))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	fresh := audit.Launched{Sandboxes: 3, Warm: 2, Claimed: 1}
	rep := live(func(r *audit.Report) bool { return launchedOf(r) == fresh })
	if got := staleSummary(rep); got != "" {
		t.Errorf("as made from the template, stale: %s", got)
	}

	// The template moves to gVisor; the pool keeps its sandboxes
	// (OnReplenish, the default).
	tmpl := getCustom(ctx, t, clients, kinds.SandboxTemplate, warmTemplate)
	if err := unstructured.SetNestedField(tmpl.Object, warmRC, "spec", "podTemplate", "spec", "runtimeClassName"); err != nil {
		t.Fatal(err)
	}
	if _, err := clients.Dynamic.Resource(kinds.SandboxTemplate.GVR()).Namespace(warmNamespace).Update(ctx, tmpl, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stale := audit.Launched{Sandboxes: 3, Warm: 2, Claimed: 1, Stale: 2}
	rep = live(func(r *audit.Report) bool { return launchedOf(r) == stale })
	want := "python-pool-7xk2p: TG-ISO-006/high@spec.runtimeClassName; python-pool-m4q9z: TG-ISO-006/high@spec.runtimeClassName"
	if got := staleSummary(rep); got != want {
		t.Errorf("after the template changed, stale findings:\n got  %s\n want %s", got, want)
	}
	for _, r := range rep.Workloads {
		for _, f := range r.Findings {
			if f.Rule == audit.RuleWarmPoolStale {
				for _, part := range []string{"warm pool " + warmPool, "SandboxTemplate " + warmTemplate, `runtimeClassName (none) → "` + warmRC + `"`, "gvisor (RuntimeClass " + warmRC + ", handler runsc)", "kubectl delete sandbox " + r.Name + " -n " + warmNamespace} {
					if !strings.Contains(f.Message, part) {
						t.Errorf("%s: message lacks %q: %s", r.Name, part, f.Message)
					}
				}
			}
		}
	}

	// Offline, from the same objects as kubectl get -o yaml prints them.
	offline := offlineAudit(ctx, t, clients, e, warmNamespace, time.Now())
	if a, b := staleSummary(offline), staleSummary(rep); a != b || launchedOf(offline) != stale {
		t.Errorf("offline %s %+v, live %s %+v", a, launchedOf(offline), b, stale)
	}

	// Recreate: the pool replaces its stale sandboxes itself.
	patch := []byte(`{"spec":{"updateStrategy":{"type":"Recreate"}}}`)
	if _, err := clients.Dynamic.Resource(kinds.SandboxWarmPool.GVR()).Namespace(warmNamespace).Patch(ctx, warmPool, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	rep = live(func(r *audit.Report) bool { return launchedOf(r) == fresh })
	if got := staleSummary(rep); got != "" {
		t.Errorf("under Recreate, stale: %s", got)
	}
}

func getCustom(ctx context.Context, t *testing.T, c *cluster.Clients, k *kinds.Kind, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := c.Dynamic.Resource(k.GVR()).Namespace(warmNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// makeSandbox makes a Sandbox of the template as it is now and its pod,
// as agent-sandbox makes them: the Sandbox controlled by the pool (warm)
// or the claim, labelled with the pool's and the template's name hashes
// (buildSandboxCR; a claimed one keeps only the template's), the pod
// named as it, controlled by it, with the extension labels copied
// (computeExtensionPodLabels) and the secure default of no token
// (ApplySandboxSecureDefaults).
func makeSandbox(ctx context.Context, t *testing.T, c *cluster.Clients, name string, owner *unstructured.Unstructured, warm bool) {
	t.Helper()
	tmpl := getCustom(ctx, t, c, kinds.SandboxTemplate, warmTemplate)
	specMap, _, _ := unstructured.NestedMap(tmpl.Object, "spec", "podTemplate", "spec")
	var spec corev1.PodSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(specMap, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.AutomountServiceAccountToken == nil {
		spec.AutomountServiceAccountToken = ptr.To(false)
	}
	labels := map[string]string{"agents.x-k8s.io/sandbox-template-ref-hash": audit.NameHash(warmTemplate)}
	if warm {
		labels["agents.x-k8s.io/warm-pool-sandbox"] = audit.NameHash(warmPool)
	}
	specU, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&spec)
	if err != nil {
		t.Fatal(err)
	}
	sbLabels := map[string]any{}
	for k, v := range labels {
		sbLabels[k] = v
	}
	sb := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": kinds.Sandbox.APIVersion(), "kind": kinds.Sandbox.Kind,
		"metadata": map[string]any{"name": name, "namespace": warmNamespace, "labels": sbLabels,
			"ownerReferences": []any{map[string]any{"apiVersion": owner.GetAPIVersion(), "kind": owner.GetKind(), "name": owner.GetName(), "uid": string(owner.GetUID()), "controller": true}}},
		"spec": map[string]any{"podTemplate": map[string]any{"spec": specU}},
	}}
	created, err := c.Dynamic.Resource(kinds.Sandbox.GVR()).Namespace(warmNamespace).Create(ctx, sb, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels["agents.x-k8s.io/sandbox-name-hash"] = audit.NameHash(name)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: warmNamespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: kinds.Sandbox.APIVersion(), Kind: kinds.Sandbox.Kind, Name: name, UID: created.GetUID(), Controller: ptr.To(true)}}},
		Spec: spec,
	}
	if _, err := c.Kube.CoreV1().Pods(warmNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// launchedOf is the test template's count.
func launchedOf(rep *audit.Report) audit.Launched {
	for _, r := range rep.Workloads {
		if r.Kind == kinds.SandboxTemplate.Kind && r.Name == warmTemplate && r.Launched != nil {
			return *r.Launched
		}
	}
	return audit.Launched{Sandboxes: -1}
}

// staleSummary lists the TG-ISO-006 findings: "pod: rule/severity@path; ...".
func staleSummary(rep *audit.Report) string {
	var out []string
	for _, r := range rep.Workloads {
		for _, f := range r.Findings {
			if f.Rule == audit.RuleWarmPoolStale {
				out = append(out, fmt.Sprintf("%s: %s/%s@%s", r.Name, f.Rule, f.Severity, f.Path))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}
