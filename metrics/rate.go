package metrics

// Rates are per-second figures from two readings of the same pod.
type Rates struct {
	Tokens, Prompt, Inferences *float64
}

// RatesBetween computes the counters' rates from prev to cur. A counter
// that went down was reset (the server restarted): its increase is its
// new value, as Prometheus's rate() counts it. Readings of different
// engines, or not in time order, give no rates.
func RatesBetween(prev, cur Reading) Rates {
	dt := cur.At.Sub(prev.At).Seconds()
	if prev.Engine != cur.Engine || dt <= 0 || !finite(dt) {
		return Rates{}
	}
	return Rates{
		Tokens:     rate(prev.Tokens, cur.Tokens, dt),
		Prompt:     rate(prev.Prompt, cur.Prompt, dt),
		Inferences: rate(prev.Inferences, cur.Inferences, dt),
	}
}

func rate(prev, cur *float64, dt float64) *float64 {
	if prev == nil || cur == nil || *cur < 0 || *prev < 0 {
		return nil
	}
	inc := *cur - *prev
	if *cur < *prev {
		inc = *cur // reset
	}
	r := inc / dt
	if !finite(r) {
		return nil
	}
	return &r
}
