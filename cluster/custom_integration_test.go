//go:build integration

package cluster_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// customNamespace is where the custom resources of this test live.
const customNamespace = "customs"

// TestCustomResourcesLiveEqualOffline creates an object of every custom
// workload kind of the registry (kinds/testdata/<Kind>.yaml) on the real
// API server with the released CRDs loaded, none with pods but the two
// Sandboxes whose pods their controllers would have made; the live audit
// sees each of them as a row of its own (each Sandbox's pod under it,
// agent-sandbox's and OpenKruise's Sandbox each through its own group),
// and its report equals the
// offline audit of the same objects as kubectl get -o yaml prints them:
// the same workloads, types, isolation and findings.
func TestCustomResourcesLiveEqualOffline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clients, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	readyNamespace(ctx, t, clients.Kube, customNamespace, true)

	// The registry's fixtures, moved into the namespace.
	var custom []*kinds.Kind
	var objs []*unstructured.Unstructured
	names := map[*kinds.Kind]string{}
	for _, k := range kinds.All() {
		if !k.Workload() || k.Typed != nil {
			continue
		}
		custom = append(custom, k)
		read, err := manifest.Read([]string{filepath.Join("..", "kinds", "testdata", k.Fixture())}, nil, manifest.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range read {
			o.SetNamespace(customNamespace)
			objs = append(objs, o.Unstructured)
			if isKind(o.GetAPIVersion(), o.GetKind(), k) && names[k] == "" {
				names[k] = o.GetName()
			}
		}
	}
	if len(custom) < 10 {
		t.Fatalf("%d custom kinds", len(custom))
	}
	if err := seed.Apply(ctx, cl.Config, objs); err != nil {
		t.Fatal(err)
	}
	// The pods agent-sandbox's and OpenKruise's controllers would make
	// of their Sandboxes: one kind name, two groups, each pod's owner
	// reference resolved to its own.
	withPods := []*kinds.Kind{kinds.Sandbox, kinds.KruiseSandbox}
	for _, k := range withPods {
		sb, err := clients.Dynamic.Resource(k.GVR()).Namespace(customNamespace).Get(ctx, names[k], metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: sb.GetName(), Namespace: customNamespace, Labels: map[string]string{"app": sb.GetName()},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: k.APIVersion(), Kind: k.Kind, Name: sb.GetName(), UID: sb.GetUID(), Controller: ptr.To(true)}}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "python-runtime", Image: "registry.example.com/sandbox/python-runtime:3.12",
				Env: []corev1.EnvVar{{Name: "HF_TOKEN", Value: "hf_notkept"}}}}},
		}
		if _, err := clients.Kube.CoreV1().Pods(customNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// Live.
	src, err := cluster.NewSource(ctx, clients, cluster.Options{Namespace: customNamespace, Coalesce: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src.Start(ctx)
	defer src.Stop()
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	if gaps := src.Gaps(); len(gaps) > 0 {
		t.Errorf("gaps for an admin: %v", gaps)
	}
	var inv *audit.Inventory
	for {
		inv = src.Snapshot().Inventory
		missing := unseenCustom(inv, custom, names)
		if len(missing) == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("not seen by the live audit: %v", missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	live := e.Audit(inv, audit.Options{Now: now})

	// Offline, from the same objects as kubectl get -o yaml prints them.
	offline := offlineAudit(ctx, t, clients, e, customNamespace, now)

	// Keyed by group too: agent-sandbox's and OpenKruise's Sandbox share
	// a kind name.
	key := func(r audit.Result) string {
		group, _, _ := strings.Cut(r.APIVersion, "/")
		if !strings.Contains(r.APIVersion, "/") {
			group = ""
		}
		return group + ":" + r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	off := map[string]audit.Result{}
	for _, r := range offline.Workloads {
		off[key(r)] = r
	}
	if len(live.Workloads) != len(offline.Workloads) {
		var l, o []string
		for _, r := range live.Workloads {
			l = append(l, key(r))
		}
		for _, r := range offline.Workloads {
			o = append(o, key(r))
		}
		t.Fatalf("live %d workloads %v, offline %d %v", len(l), l, len(o), o)
	}
	rows := map[*kinds.Kind]bool{}
	for _, r := range live.Workloads {
		if k, ok := kinds.ForAPIVersion(r.APIVersion, r.Kind); ok {
			rows[k] = true
		}
	}
	for _, k := range custom {
		// Each a row of its own, with pods or not.
		if !rows[k] {
			t.Errorf("%s: not a row of its own", k.GVK().GroupKind())
		}
	}
	// Each Sandbox counts its pod, which runs from it: live as offline.
	for _, rep := range []*audit.Report{live, offline} {
		for _, k := range withPods {
			var row, pod *audit.Result
			for i := range rep.Workloads {
				r := &rep.Workloads[i]
				switch {
				case r.Kind == k.Kind && r.APIVersion == k.APIVersion() && r.Name == names[k]:
					row = r
				case r.Kind == kinds.Pod.Kind && r.Owner != nil && r.Owner.APIVersion == k.APIVersion() && r.Owner.Name == names[k]:
					pod = r
				}
			}
			if row == nil || row.Status.Text() != "1 pod" {
				t.Errorf("%s's row: %+v", k.GVK().GroupKind(), row)
			}
			if pod == nil || pod.RunsFrom == nil || pod.RunsFrom.Kind != k.Kind || pod.RunsFrom.APIVersion != k.APIVersion() || pod.RunsFrom.Name != names[k] {
				t.Errorf("%s's pod: %+v", k.GVK().GroupKind(), pod)
			}
		}
	}
	for _, lw := range live.Workloads {
		t.Logf("%s: %s %s/%s, %d findings", key(lw), lw.Type, lw.Handler, lw.Isolation, len(lw.Findings))
		ow, ok := off[key(lw)]
		if !ok {
			t.Errorf("%s: live only", key(lw))
			continue
		}
		if lw.Type != ow.Type || lw.Confidence != ow.Confidence || lw.Isolation != ow.Isolation || lw.Handler != ow.Handler {
			t.Errorf("%s: live %s %.2f %s/%s, offline %s %.2f %s/%s", key(lw), lw.Type, lw.Confidence, lw.Handler, lw.Isolation, ow.Type, ow.Confidence, ow.Handler, ow.Isolation)
		}
		if a, b := findingKeys(lw), findingKeys(ow); a != b {
			t.Errorf("%s findings differ:\n live:    %s\n offline: %s", key(lw), a, b)
		}
	}
}

// unseenCustom are the custom kinds whose object is neither a workload of
// the inventory nor the owner of one of its pods.
func unseenCustom(inv *audit.Inventory, ks []*kinds.Kind, names map[*kinds.Kind]string) []string {
	var out []string
	for _, k := range ks {
		name := names[k]
		if !slices.ContainsFunc(inv.Workloads, func(w audit.Workload) bool {
			if isKind(w.APIVersion, w.Kind, k) && w.Name == name {
				return k.Templateless || len(w.Templates) >= len(k.Templates)
			}
			return w.Kind == kinds.Pod.Kind && w.Owner != nil && ownerIs(k, name)(*w.Owner)
		}) {
			out = append(out, k.GVK().GroupKind().String()+"/"+name)
		}
	}
	return out
}

// TestForbiddenCustomKindsAreNamedOnce: a user who may read pods and
// agent-sandbox's groups, but none of the other custom kinds the cluster
// serves, still sees the sandbox objects; each custom resource it may not
// list is named once in the gaps, with what is lost.
func TestForbiddenCustomKindsAreNamedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const ns = "customs-limited"
	tmpl := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": kinds.SandboxTemplate.APIVersion(), "kind": kinds.SandboxTemplate.Kind,
		"metadata": map[string]any{"name": "py", "namespace": ns},
		"spec":     map[string]any{"podTemplate": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "python", "image": "registry.example.com/python:3.12"}}}}},
	}}
	// Every custom kind served: its released CRD installed.
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		t.Fatal(err)
	}
	if err := seed.Apply(ctx, cl.Config, []*unstructured.Unstructured{tmpl}); err != nil {
		t.Fatal(err)
	}
	read := []string{"get", "list", "watch"}
	u, err := cl.NewUser(ctx, "sandbox-reader", testcluster.UserOptions{Namespace: ns, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read},
		{APIGroups: []string{kinds.Sandbox.Group}, Resources: []string{kinds.Sandbox.Resource}, Verbs: read},
		{APIGroups: []string{kinds.SandboxTemplate.Group}, Resources: []string{"*"}, Verbs: read},
	}})
	if err != nil {
		t.Fatal(err)
	}
	uc, err := cluster.NewClients(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := liveReport(t, uc, cluster.Options{Namespace: ns})
	if !slices.ContainsFunc(rep.Workloads, func(r audit.Result) bool { return r.Kind == kinds.SandboxTemplate.Kind && r.Name == "py" }) {
		t.Errorf("the SandboxTemplate it may read is not audited: %d workloads", len(rep.Workloads))
	}
	gaps := strings.Join(rep.NotVisible, "\n")
	for _, k := range kinds.All() {
		if k.Watch == nil || !k.Watch.IfServed {
			continue
		}
		name := k.Resource + "." + k.Group
		n := 0
		for _, g := range rep.NotVisible {
			if strings.HasPrefix(g, name+":") {
				n++
			}
		}
		allowed := k.Group == kinds.Sandbox.Group || k.Group == kinds.SandboxTemplate.Group
		switch {
		case allowed && n != 0:
			t.Errorf("%s: readable, but named in the gaps:\n%s", name, gaps)
		case !allowed && (n != 1 || !strings.Contains("\n"+gaps, "\n"+name+": forbidden in namespace "+ns+" — "+k.Watch.Loss)):
			t.Errorf("%s: named %d times in the gaps, want once with %q:\n%s", name, n, k.Watch.Loss, gaps)
		}
	}
}
