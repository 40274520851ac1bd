package bench

import (
	"testing"

	"github.com/tiergate/tiergate/metrics"
)

func TestMemoryOverheadComparesLikeWithLike(t *testing.T) {
	rss := func(rss, ws float64, src string) *metrics.PodMemory {
		return &metrics.PodMemory{RSS: rss, WorkingSet: ws, Source: src}
	}
	for _, c := range []struct {
		name         string
		target, base *metrics.PodMemory
		delta        float64
		what         string
		ok           bool
	}{
		{"RSS with RSS", rss(300, 400, metrics.SourceSummary), rss(100, 150, metrics.SourceSummary), 200, "RSS", true},
		{"working set where neither has RSS", rss(0, 400, metrics.SourceCAdvisor), rss(0, 150, metrics.SourceCAdvisor), 250, "working set", true},
		{"RSS against a working set: no figure", rss(300, 400, metrics.SourceSummary), rss(0, 150, metrics.SourceSummary), 0, "", false},
		{"two sources: no figure", rss(300, 0, metrics.SourceSummary), rss(100, 0, metrics.SourceCAdvisor), 0, "", false},
		{"no baseline", rss(300, 0, metrics.SourceSummary), nil, 0, "", false},
		{"a smaller pod is a negative overhead", rss(80, 0, metrics.SourceSummary), rss(100, 0, metrics.SourceSummary), -20, "RSS", true},
	} {
		d, what, ok := MemoryOverhead(c.target, c.base)
		if d != c.delta || what != c.what || ok != c.ok {
			t.Errorf("%s: %v %q %v", c.name, d, what, ok)
		}
	}
	res := &Result{Targets: []TargetResult{{Target: Target{Name: "runc", Skip: "TG-SCH-002"}}, {Target: Target{Name: "gvisor", Class: "gvisor"}}}}
	if res.Baseline() != nil {
		t.Error("a skipped default runtime is no baseline")
	}
}
