package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/manifest"
)

// draAudit audits the audit package's DRA fixture: GPUs allocated through
// claims on node gpu-a, whole and MIG, and one through an extended
// resource.
func draAudit(t *testing.T) *audit.Report {
	t.Helper()
	objs, err := manifest.Read([]string{"../audit/testdata/dra/allocated.yaml"}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return newEngine(t).Audit(inv, audit.Options{Now: fixedTime})
}

// TestDRAGPUsInColumnDetailAndNodes: the GPU column counts a claim's GPUs
// as it counts extended resources, the detail says where each comes
// from, and the nodes view shows the node's DRA devices held and
// published.
func TestDRAGPUsInColumnDetailAndNodes(t *testing.T) {
	rep := draAudit(t)
	for name, want := range map[string]string{"vllm-0": "1×dra:gpu", "mig-0": "2×dra:mig-1g.10gb", "vllm-1": "1×dra:gpu", "ext-0": "1×gpu"} {
		if got := gpuCell(workload(t, rep, name).GPUs); got != want {
			t.Errorf("%s: GPU column %q, want %q", name, got, want)
		}
	}
	lines := strings.Join(draLines(workload(t, rep, "mig-0")), "\n")
	if want := "claim slices (mig-pair): 2 × mig.nvidia.com allocated — NVIDIA A100-SXM4-40GB, MIG 1g.10gb, driver 570.124.6, on node gpu-a"; lines != want {
		t.Errorf("detail:\n got  %s\n want %s", lines, want)
	}
	if lines := strings.Join(draLines(workload(t, rep, "vllm-1")), "\n"); lines != "claim gpu (from template single-gpu): 1 × gpu.nvidia.com requested — gpu" {
		t.Errorf("detail of a pod not yet given its claim: %s", lines)
	}

	st, out := NewStyles(), &outbox{}
	n := newNodesView(&st, out)
	n.SetSize(120, 20)
	ask(n, out, reportMsg{rep: rep})
	v := ansi.Strip(n.View())
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, "gpu-a") && !strings.Contains(l, "dra:gpu 2/2/2 dra:mig 2/2/2") {
			t.Errorf("node gpu-a: %q", l)
		}
	}
	if !strings.Contains(v, "gpu-a") {
		t.Fatalf("no gpu-a in the nodes view:\n%s", v)
	}
}
