//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// TestLiveGPUReach: live, the nodes' GPU Feature Discovery labels reach
// the audit through the informers: the nodes report says which classes
// can run a GPU pod, and a gVisor GPU pod on a node whose driver nvproxy
// does not support is a high TG-GPU-002 naming the node, the driver and
// the nearest supported versions.
func TestLiveGPUReach(t *testing.T) {
	seedExample(t)
	type report struct {
		Workloads []struct {
			Kind, Name string
			Findings   []struct{ Rule, Severity, Message string }
		}
		Nodes []struct {
			Name         string
			GPUDriver    string   `json:"gpuDriver"`
			GPUIsolation []string `json:"gpuIsolation"`
		}
	}
	audit := func() report {
		out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "llm-serving", "-o", "json")
		if code != 0 && code != 1 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rep report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	gvisorDriverFindings := func(rep report) []string {
		var out []string
		for _, w := range rep.Workloads {
			for _, f := range w.Findings {
				if w.Kind == "Pod" && f.Rule == "TG-GPU-002" && strings.Contains(f.Message, "gpu-l4-q8d2") {
					out = append(out, f.Severity+" "+f.Message)
				}
			}
		}
		return out
	}

	rep := audit()
	nodes := map[string][]string{}
	for _, n := range rep.Nodes {
		nodes[n.Name] = n.GPUIsolation
		if n.Name == "gpu-l4-q8d2" && n.GPUDriver != "580.105.08" {
			t.Errorf("gpu-l4-q8d2's driver: got %q", n.GPUDriver)
		}
	}
	if got := nodes["gpu-l4-q8d2"]; !slices.Equal(got, []string{"shared-kernel", "gvisor"}) {
		t.Errorf("gpu-l4-q8d2 runs GPU pods under %v, want shared-kernel and gvisor", got)
	}
	if got := nodes["gpu-h100-kata-r2w5"]; !slices.Equal(got, []string{"vm"}) {
		t.Errorf("gpu-h100-kata-r2w5 (VFIO GPUs only) runs GPU pods under %v, want vm", got)
	}
	if f := gvisorDriverFindings(rep); len(f) != 0 {
		t.Fatalf("a supported driver gave %v", f)
	}

	// The L4 node's driver changes to one nvproxy does not support.
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	ctx := context.Background()
	label := func(v string) {
		patch := `{"metadata":{"labels":{"nvidia.com/cuda.driver-version.full":"` + v + `"}}}`
		if _, err := kube.CoreV1().Nodes().Patch(ctx, "gpu-l4-q8d2", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	label("580.82.07")
	t.Cleanup(func() { label("580.105.08") })
	rep = audit()
	found := gvisorDriverFindings(rep)
	if len(found) == 0 {
		t.Fatal("no TG-GPU-002 for the gVisor GPU pods on gpu-l4-q8d2")
	}
	for _, f := range found {
		if !strings.HasPrefix(f, "high ") || !strings.Contains(f, "580.82.07") || !strings.Contains(f, "nearest supported: 580.65.06, 580.105.08") {
			t.Errorf("finding: %s", f)
		}
	}
	for _, n := range rep.Nodes {
		if n.Name == "gpu-l4-q8d2" && slices.Contains(n.GPUIsolation, "gvisor") {
			t.Errorf("gpu-l4-q8d2 still runs gVisor GPU pods: %v", n.GPUIsolation)
		}
	}
}
