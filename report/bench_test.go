package report

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/tiergate/tiergate/bench"
	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/policy"
)

// benchFixture is a run with the default runtime, a VM class with a
// burst and a failure, and a skipped class.
func benchFixture() *bench.Result {
	d := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	dist := func(p50, p95, max int) bench.Dist { return bench.Dist{N: 4, P50: d(p50), P95: d(p95), Max: d(max)} }
	started := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	return &bench.Result{
		RunID: "a1b2c3", Namespace: "tiergate-bench", Started: started, Finished: started.Add(time.Minute),
		Targets: []bench.TargetResult{
			{Target: bench.Target{Name: "runc", Isolation: policy.SharedKernel},
				Sequential: &bench.Summary{Runs: 4, Schedule: dist(8, 12, 12), Sandbox: dist(500, 510, 510), Containers: dist(500, 505, 505), Ready: dist(1010, 1030, 1030), FirstLog: dist(1040, 1060, 1060)},
				Nodes:      []string{"cpu-1"}},
			{Target: bench.Target{Name: "kata-qemu", Class: "kata-qemu", Handler: "kata-qemu", Isolation: policy.VM,
				Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("160Mi")}},
				Sequential: &bench.Summary{Runs: 5, Failed: 1, Failures: map[string]int{"sandbox: FailedCreatePodSandBox: failed to launch the VM": 1},
					Schedule: dist(9, 14, 14), Sandbox: dist(1700, 1750, 1750), Containers: dist(600, 610, 610), Ready: dist(2310, 2370, 2370), FirstLog: dist(2340, 2400, 2400)},
				Burst: &bench.Summary{Runs: 2, Schedule: dist(10, 11, 11), Sandbox: dist(1710, 1720, 1720), Containers: dist(600, 600, 600), Ready: dist(2320, 2330, 2330)},
				Nodes: []string{"kata-metal"}},
			{Target: bench.Target{Name: "kata-fc", Class: "kata-fc", Handler: "kata-fc", Isolation: policy.MicroVM,
				Skip: "TG-SCH-001: no node reports runtime handler kata-fc in status.runtimeHandlers: the pod will stay Pending"}},
		},
		Environment: &bench.Environment{Context: "lab", Server: "https://127.0.0.1:6443", Image: bench.DefaultImage,
			Nodes: []bench.NodeInfo{{Name: "cpu-1", InstanceType: "n2-standard-16", Runtime: "containerd://2.1.0", Kernel: "6.8.0", Handlers: []string{"runc"}}}},
	}
}

func TestRenderBenchGoldens(t *testing.T) {
	for _, f := range []string{"table", "wide", "markdown", "csv", "json"} {
		t.Run(f, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderBench(&b, benchFixture(), f); err != nil {
				t.Fatal(err)
			}
			goldenfile.Assert(t, "./report", "testdata/bench-"+f+".golden", b.Bytes())
		})
	}
	if err := RenderBench(&bytes.Buffer{}, benchFixture(), "yaml"); err == nil {
		t.Error("an unknown format must be an error")
	}
}
