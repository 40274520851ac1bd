package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
)

// TestNodesViewColumnsByWidth: the GPU reach columns at each width, the
// header the end-to-end test looks for at 120 columns included.
func TestNodesViewColumnsByWidth(t *testing.T) {
	nd := audit.NodeReport{
		NodeRef:    audit.NodeRef{Name: "gpu-a100", KernelVersion: "6.8.0-60-generic", RuntimeHandlers: []string{"runc", "runsc"}},
		GPUProduct: "NVIDIA-A100-SXM4-80GB", GPUDriver: "580.105.08", MIGMode: audit.MIGMixed,
		GPUIsolation: []string{"shared-kernel", "gvisor?"},
		GPUs:         []audit.NodeGPU{{Resource: "nvidia.com/gpu", Capacity: 6, Allocatable: 6, Allocated: 2}},
	}
	for _, tc := range []struct {
		width     int
		want, not []string
	}{
		{80, []string{"GPU alloc/avail/cap", "DRIVER", "GPU PODS UNDER", "580.105.08", "shared,gvisor?", "gpu 2/6/6"}, []string{"KERNEL", "PRODUCT", "MIG"}},
		{120, []string{"KERNEL", "GPU alloc/allocatable/cap", "6.8.0-60-generic", "shared,gvisor?"}, []string{"PRODUCT", "RUNTIME"}},
		{160, []string{"RUNTIME", "PRODUCT", "MIG", "A100-SXM4-80GB", "mixed", "runc,runsc"}, nil},
	} {
		st := NewStyles()
		n := newNodesView(&st, &outbox{})
		n.Update(reportMsg{rep: &audit.Report{Nodes: []audit.NodeReport{nd}}})
		n.SetSize(tc.width, 10)
		got := ansi.Strip(n.View())
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%d columns: want %q in\n%s", tc.width, w, got)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("%d columns: did not want %q in\n%s", tc.width, w, got)
			}
		}
		for _, line := range strings.Split(got, "\n") {
			if w := len([]rune(line)); w > tc.width {
				t.Errorf("%d columns: a line of %d: %q", tc.width, w, line)
			}
		}
	}
}
