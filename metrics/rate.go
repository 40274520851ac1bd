package metrics

// Rates are per-second figures from two readings of the same pod.
type Rates struct {
	Tokens, Prompt, Inferences *float64
}

// RatesBetween computes the counters' rates from prev to cur, series by
// series: a series that went down was reset (the server restarted) and
// its increase is its new value, as Prometheus's rate() counts it; a
// series in only one reading (a model loaded or unloaded) adds nothing.
// Readings of different engines, or not in time order, give no rates.
func RatesBetween(prev, cur Reading) Rates {
	dt := cur.At.Sub(prev.At).Seconds()
	if prev.Engine != cur.Engine || dt <= 0 || !finite(dt) {
		return Rates{}
	}
	return Rates{
		Tokens:     rate(prev.Tokens, cur.Tokens, prev.series[counterTokens], cur.series[counterTokens], dt),
		Prompt:     rate(prev.Prompt, cur.Prompt, prev.series[counterPrompt], cur.series[counterPrompt], dt),
		Inferences: rate(prev.Inferences, cur.Inferences, prev.series[counterInferences], cur.series[counterInferences], dt),
	}
}

func rate(prev, cur *float64, ps, cs map[string]float64, dt float64) *float64 {
	if prev == nil || cur == nil || *cur < 0 || *prev < 0 {
		return nil
	}
	inc := increase(*prev, *cur)
	if ps != nil && cs != nil {
		inc = 0
		for k, c := range cs {
			if p, ok := ps[k]; ok && c >= 0 && p >= 0 {
				inc += increase(p, c)
			}
		}
	}
	r := inc / dt
	if !finite(r) {
		return nil
	}
	return &r
}

// increase of a counter from p to c; a counter that went down was reset.
func increase(p, c float64) float64 {
	if c < p {
		return c
	}
	return c - p
}
