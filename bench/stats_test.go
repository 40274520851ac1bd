package bench

import (
	"testing"
	"time"
)

func TestDistributionNearestRank(t *testing.T) {
	d := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	for _, tt := range []struct {
		name string
		in   []time.Duration
		want Dist
	}{
		{"none", nil, Dist{}},
		{"one", d(7), Dist{N: 1, P50: 7 * time.Millisecond, P95: 7 * time.Millisecond, Max: 7 * time.Millisecond}},
		// Nearest rank: p50 of 4 is the 2nd, p95 the 4th; never an average.
		{"four, unsorted", d(40, 10, 30, 20), Dist{N: 4, P50: 20 * time.Millisecond, P95: 40 * time.Millisecond, Max: 40 * time.Millisecond}},
		// p95 of 20 runs is the 19th: one slow outlier shows only in max.
		{"twenty with an outlier", append(d(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), 1000*time.Millisecond),
			Dist{N: 20, P50: 10 * time.Millisecond, P95: 19 * time.Millisecond, Max: time.Second}},
		{"unreported phases left out", d(0, 0, 5), Dist{N: 1, P50: 5 * time.Millisecond, P95: 5 * time.Millisecond, Max: 5 * time.Millisecond}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Distribution(tt.in); got != tt.want {
				t.Errorf("%+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummarizeCountsFailuresByReason(t *testing.T) {
	ok := Timeline{Created: t0, Scheduled: ms(10), SandboxReady: ms(110), ContainersReady: ms(210), FirstLog: ms(230)}
	pull := Timeline{Failure: "image pull: ErrImagePull"}
	s := Summarize([]Timeline{ok, pull, ok, pull, {Failure: "Pending: no node"}})
	if s.Runs != 5 || s.Failed != 3 || s.Failures["image pull: ErrImagePull"] != 2 || s.Failures["Pending: no node"] != 1 {
		t.Fatalf("%+v", s)
	}
	if s.Ready.N != 2 || s.Ready.P50 != 210*time.Millisecond || s.Sandbox.P50 != 100*time.Millisecond || s.FirstLog.P95 != 230*time.Millisecond {
		t.Errorf("%+v", s)
	}
}
