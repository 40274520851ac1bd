//go:build integration

package cluster_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// TestLiveDRAGPUs: the real scheduler allocates devices of a
// ResourceSlice on a kwok node to a pod's claim made from a template and
// to a claim the pod names; the live audit counts each GPU in its pod's
// GPUs (with the device's product, type and MIG profile) and in the
// node's DRA allocation.
func TestLiveDRAGPUs(t *testing.T) {
	c, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const ns = "dra-live"
	// Pods are admitted once the namespace's default ServiceAccount is
	// there: the namespace first, then the fixture.
	readyNamespace(ctx, t, c.Kube, ns, false)
	if _, err := seed.Files(ctx, cl.Config, "testdata/dra-live.yaml"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		claims, err := c.Kube.ResourceV1().ResourceClaims(ns).List(ctx, metav1.ListOptions{})
		allocated := 0
		if err == nil {
			for _, cl := range claims.Items {
				if cl.Status.Allocation != nil {
					allocated++
				}
			}
		}
		if allocated == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler allocated %d of 2 claims (last error %v)", allocated, err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	rep, src := liveReport(t, c, cluster.Options{Namespace: ns})
	for _, g := range src.Gaps() {
		t.Logf("gap: %s", g)
	}
	check := func(pod, class, typ, profile string) {
		t.Helper()
		r := rep.Workload("Pod", ns, pod)
		if r == nil {
			t.Fatalf("no pod %s in the live audit", pod)
		}
		if len(r.GPUs) != 1 || r.GPUs[0].Claim == nil {
			t.Fatalf("pod %s: want one DRA GPU, got %+v", pod, r.GPUs)
		}
		g, cl := r.GPUs[0], r.GPUs[0].Claim
		if g.Resource != class || g.Count != 1 || cl.State != audit.ClaimAllocated || cl.Driver != "gpu.nvidia.com" ||
			cl.DeviceType != typ || cl.MIGProfile != profile || cl.Product != "NVIDIA H100 80GB HBM3" || cl.Node != "dra-gpu-node" || cl.Name == "" {
			t.Errorf("pod %s: got %s×%d %+v", pod, g.Resource, g.Count, *cl)
		}
	}
	check("vllm-dra", "gpu.nvidia.com", "gpu", "")
	check("mig-dra", "mig.nvidia.com", "mig", "1g.10gb")

	var node *audit.NodeReport
	for i := range rep.Nodes {
		if rep.Nodes[i].Name == "dra-gpu-node" {
			node = &rep.Nodes[i]
		}
	}
	if node == nil {
		t.Fatal("node dra-gpu-node not in the live audit")
	}
	want := map[string][2]int64{"gpu.nvidia.com/gpu": {1, 3}, "gpu.nvidia.com/mig": {1, 1}}
	for _, g := range node.GPUs {
		w, ok := want[g.Resource]
		if !ok || !g.DRA || g.Allocated != w[0] || g.Capacity != w[1] {
			t.Errorf("node GPU %+v, want allocated/capacity %v", g, w)
		}
		delete(want, g.Resource)
	}
	if len(want) > 0 {
		t.Errorf("node GPUs missing %v: %+v", want, node.GPUs)
	}
	if node.GPUProduct != "NVIDIA H100 80GB HBM3" {
		t.Errorf("node GPU product %q", node.GPUProduct)
	}

	// The same objects dumped as kubectl get -o yaml would: the offline
	// audit resolves the claims to the same GPUs.
	dump := filepath.Join(t.TempDir(), "dump.yaml")
	if err := dumpList(ctx, c.Kube, c.Dynamic, dump); err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Read([]string{dump}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := audit.NewEngine(policy.Default())
	offline := e.Audit(inv, audit.Options{Now: time.Now()})
	for _, pod := range []string{"vllm-dra", "mig-dra"} {
		if a, b := gpuKeys(rep.Workload("Pod", ns, pod).GPUs), gpuKeys(offline.Workload("Pod", ns, pod).GPUs); a != b {
			t.Errorf("%s: live GPUs %s, offline %s", pod, a, b)
		}
	}
	if a, b := nodeGPUKeys(rep.Nodes), nodeGPUKeys(offline.Nodes); a != b {
		t.Errorf("nodes' GPUs: live %s\noffline %s", a, b)
	}

	// A user who may read pods only sees them, and is told which GPUs
	// go uncounted.
	u, err := cl.NewUser(ctx, "dra-pods-only", testcluster.UserOptions{Namespace: ns, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	uc, err := cluster.NewClients(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	limited, _ := liveReport(t, uc, cluster.Options{Namespace: ns})
	if r := limited.Workload("Pod", ns, "vllm-dra"); r == nil || len(r.GPUs) != 0 {
		t.Errorf("pods-only user: vllm-dra %+v", r)
	}
	gaps := strings.Join(limited.NotVisible, "\n")
	for _, want := range []string{
		"resourceclaims.resource.k8s.io: forbidden in namespace dra-live — GPUs allocated through Dynamic Resource Allocation not counted",
		"resourceslices.resource.k8s.io: forbidden (cluster-scoped) — nodes' DRA GPUs",
	} {
		if !strings.Contains(gaps, want) {
			t.Errorf("pods-only user: gaps lack %q:\n%s", want, gaps)
		}
	}
}
