package metrics

import (
	"math"
	"strings"
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
	// series are the counters' values per series (label set), by
	// counter: rates are taken per series, as Prometheus's rate() does,
	// so that a model unloaded between readings is not a reset.
	series map[string]map[string]float64
}

// Counter names in Reading.series.
const (
	counterTokens     = "tokens"
	counterPrompt     = "prompt"
	counterInferences = "inferences"
)

// Read finds the engine an exposition belongs to and reads its figures;
// ok is false when the exposition is no engine's tiergate knows.
func Read(f Families, at time.Time) (Reading, bool) {
	e := engineOf(f.HasPrefix)
	if e == nil {
		return Reading{}, false
	}
	r := Reading{Engine: e.Name, At: at, series: map[string]map[string]float64{}}
	r.Tokens = first(f.sum(e.Tokens), f.histogramSum(e.TokensSum))
	r.Prompt = first(f.sum(e.Prompt), f.histogramSum(e.PromptSum))
	r.Inferences = f.sum(e.Inferences)
	for _, c := range []struct{ name, counter, histogram string }{
		{counterTokens, e.Tokens, e.TokensSum}, {counterPrompt, e.Prompt, e.PromptSum}, {counterInferences, e.Inferences, ""},
	} {
		if s := f.seriesValues(c.counter, c.histogram); s != nil {
			r.series[c.name] = s
		}
	}
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

// seriesValues are a counter's finite values by label set (a histogram's
// _sum when the engine counts tokens that way).
func (f Families) seriesValues(counter, histogram string) map[string]float64 {
	var mf *dto.MetricFamily
	switch {
	case counter != "" && f[counter] != nil:
		mf = f[counter]
	case histogram != "" && f[histogram] != nil:
		mf = f[histogram]
	case histogram != "" && f[histogram+"_sum"] != nil:
		mf = f[histogram+"_sum"]
	default:
		return nil
	}
	out := map[string]float64{}
	for _, m := range mf.Metric {
		v := value(m)
		switch {
		case m.Histogram != nil:
			v = m.Histogram.GetSampleSum()
		case m.Summary != nil:
			v = m.Summary.GetSampleSum()
		}
		if finite(v) {
			out[seriesKey(m)] = v
		}
	}
	return out
}

// seriesKey identifies a series within its family by its labels.
func seriesKey(m *dto.Metric) string {
	var b strings.Builder
	for _, l := range m.Label {
		b.WriteString(l.GetName())
		b.WriteByte('=')
		b.WriteString(l.GetValue())
		b.WriteByte(0)
	}
	return b.String()
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
