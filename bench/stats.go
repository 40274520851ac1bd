package bench

import (
	"math"
	"slices"
	"time"
)

// Dist is a phase's distribution over the runs that reported it.
type Dist struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50"`
	P95 time.Duration `json:"p95"`
	Max time.Duration `json:"max"`
}

// Distribution returns p50, p95 and max by nearest rank: each is a
// duration one run really took, never an interpolation between two.
// Zero durations (a phase the cluster did not report) are left out.
func Distribution(ds []time.Duration) Dist {
	xs := make([]time.Duration, 0, len(ds))
	for _, d := range ds {
		if d > 0 {
			xs = append(xs, d)
		}
	}
	if len(xs) == 0 {
		return Dist{}
	}
	slices.Sort(xs)
	return Dist{N: len(xs), P50: rank(xs, 0.50), P95: rank(xs, 0.95), Max: xs[len(xs)-1]}
}

func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// Summary is one target's figures over one mode's runs.
type Summary struct {
	Runs   int `json:"runs"`
	Failed int `json:"failed"`
	// Failures counts each failure reason.
	Failures   map[string]int `json:"failures,omitempty"`
	Schedule   Dist           `json:"schedule"`
	Sandbox    Dist           `json:"sandbox"`
	Containers Dist           `json:"containers"`
	Ready      Dist           `json:"ready"`
	FirstLog   Dist           `json:"firstLog"`
}

// Summarize folds timelines into a Summary.
func Summarize(tls []Timeline) Summary {
	s := Summary{Runs: len(tls)}
	var sched, sandbox, containers, ready, logs []time.Duration
	for i := range tls {
		tl := &tls[i]
		if tl.Failure != "" {
			s.Failed++
			if s.Failures == nil {
				s.Failures = map[string]int{}
			}
			s.Failures[tl.Failure]++
			continue
		}
		ph := tl.Phases()
		sched, sandbox, containers = append(sched, ph.Schedule), append(sandbox, ph.Sandbox), append(containers, ph.Containers)
		ready, logs = append(ready, ph.Ready), append(logs, ph.FirstLog)
	}
	s.Schedule, s.Sandbox, s.Containers = Distribution(sched), Distribution(sandbox), Distribution(containers)
	s.Ready, s.FirstLog = Distribution(ready), Distribution(logs)
	return s
}
