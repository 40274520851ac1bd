package bench

import "github.com/tiergate/tiergate/metrics"

// Baseline is the default runtime's result (no RuntimeClass), which
// every other target is compared with; nil when it was not measured.
func (r *Result) Baseline() *TargetResult {
	for i := range r.Targets {
		if t := &r.Targets[i]; t.Target.Class == "" && t.Target.Skip == "" {
			return t
		}
	}
	return nil
}

// MemoryFigure is the figure a pod's memory is shown and compared by:
// RSS where the kubelet reports it, else the working set; "" for none.
func MemoryFigure(m *metrics.PodMemory) (float64, string) {
	switch {
	case m == nil:
		return 0, ""
	case m.RSS > 0:
		return m.RSS, "RSS"
	case m.WorkingSet > 0:
		return m.WorkingSet, "working set"
	}
	return 0, ""
}

// MemoryOverhead is what the target's whole pod holds beyond the
// baseline's, the same image under the default runtime: compared only
// figure for figure (RSS with RSS) from the same source.
func MemoryOverhead(target, base *metrics.PodMemory) (float64, string, bool) {
	if target == nil || base == nil || target.Source != base.Source {
		return 0, "", false
	}
	t, what := MemoryFigure(target)
	b, baseWhat := MemoryFigure(base)
	if what == "" || what != baseWhat {
		return 0, "", false
	}
	return t - b, what, true
}

// Tokens is a target's generated tokens/s, 0 when not measured.
func (t *TargetResult) Tokens() float64 {
	if t == nil || t.Steady == nil || t.Steady.Load == nil {
		return 0
	}
	return t.Steady.Load.TokensPerSecond
}

// Memory is a target's steady pod's memory, nil when not measured.
func (t *TargetResult) Memory() *metrics.PodMemory {
	if t == nil || t.Steady == nil {
		return nil
	}
	return t.Steady.Memory
}

// LoadResult is the steady pod's load, nil when not measured.
func (s *Steady) LoadResult() *LoadResult {
	if s == nil {
		return nil
	}
	return s.Load
}
