package metrics

import (
	"math"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Reading is one scrape of a pod's engine: the counters to take rates of,
// and the gauges as read. A figure the exposition lacks is nil.
type Reading struct {
	Engine string
	At     time.Time
	// Counters, summed over their series (one per model).
	Tokens, Prompt, Inferences *float64
	// Gauges: requests summed, KV-cache use averaged over series.
	Running, Waiting, KVCache *float64
}

// Read finds the engine an exposition belongs to and reads its figures;
// ok is false when the exposition is no engine's tiergate knows.
func Read(f Families, at time.Time) (Reading, bool) {
	e := engineOf(f.HasPrefix)
	if e == nil {
		return Reading{}, false
	}
	r := Reading{Engine: e.Name, At: at}
	r.Tokens = first(f.sum(e.Tokens), f.histogramSum(e.TokensSum))
	r.Prompt = first(f.sum(e.Prompt), f.histogramSum(e.PromptSum))
	r.Inferences = f.sum(e.Inferences)
	r.Running = f.sum(e.Running)
	r.Waiting = f.sum(e.Waiting)
	for _, name := range e.KVCache {
		if r.KVCache = f.avg(name); r.KVCache != nil {
			break
		}
	}
	return r, true
}

func first(vs ...*float64) *float64 {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

// value is a series' value whatever its declared type: a family without
// a TYPE line parses as untyped.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return math.NaN()
}

// finite keeps what can be summed: NaN and ±Inf say nothing about a rate.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sum adds a family's finite series; nil when it has none.
func (f Families) sum(name string) *float64 {
	mf := f[name]
	if name == "" || mf == nil {
		return nil
	}
	total, n := 0.0, 0
	for _, m := range mf.Metric {
		if v := value(m); finite(v) {
			total += v
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return &total
}

// avg averages a family's finite series.
func (f Families) avg(name string) *float64 {
	s := f.sum(name)
	if s == nil {
		return nil
	}
	n := 0
	for _, m := range f[name].Metric {
		if finite(value(m)) {
			n++
		}
	}
	avg := *s / float64(n)
	return &avg
}

// histogramSum adds the _sum of a histogram (or summary) family, typed or
// not (without a TYPE line its series parse as NAME_sum).
func (f Families) histogramSum(name string) *float64 {
	if name == "" {
		return nil
	}
	mf := f[name]
	if mf == nil {
		return f.sum(name + "_sum")
	}
	total, n := 0.0, 0
	for _, m := range mf.Metric {
		var v float64
		switch {
		case m.Histogram != nil:
			v = m.Histogram.GetSampleSum()
		case m.Summary != nil:
			v = m.Summary.GetSampleSum()
		default:
			continue
		}
		if finite(v) {
			total += v
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return &total
}
