package audit_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/policy"
)

// BenchmarkAudit100kPods: a cluster of 100,000 pods from 5,000
// ReplicaSets. Targets (docs/PERFORMANCE.md): under 1 s of CPU per audit
// (cpu-s/op counts every thread, GC included) and under 2 KiB allocated
// per pod.
func BenchmarkAudit100kPods(b *testing.B) { benchmarkAudit(b, false) }

// BenchmarkAudit100kBarePods: the worst case, 100,000 pods without
// controllers, so that no classification is shared between replicas.
func BenchmarkAudit100kBarePods(b *testing.B) { benchmarkAudit(b, true) }

func benchmarkAudit(b *testing.B, bare bool) {
	const n = 100_000
	inv := synth.Cluster(n, bare)
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep := e.Audit(inv, audit.Options{Now: now})
		if len(rep.Workloads) != n {
			b.Fatal("lost workloads")
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/n, "B/pod")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/pod")
	if cpu > 0 {
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
}
