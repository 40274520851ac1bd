package remediate_test

import (
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

// BenchmarkFix10kPods computes every fix for a live-mode cluster of
// 10,000 pods from 500 ReplicaSets: one fix set per owner, each
// re-audited (docs/PERFORMANCE.md).
func BenchmarkFix10kPods(b *testing.B) {
	inv := synth.Cluster(10_000, false)
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		b.Fatal(err)
	}
	opts := audit.Options{Now: time.Now()}
	rep := e.Audit(inv, opts)
	b.ResetTimer()
	var fixes int
	for i := 0; i < b.N; i++ {
		res, err := remediate.Compute(e, inv, rep, remediate.Options{Audit: opts})
		if err != nil {
			b.Fatal(err)
		}
		fixes = len(res.Fixes)
	}
	b.ReportMetric(float64(fixes), "fixes")
}
