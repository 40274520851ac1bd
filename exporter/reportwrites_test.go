package exporter_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tiergate/tiergate/exporter"
)

// writes gathers tiergate_report_writes_total by result.
func writes(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "tiergate_report_writes_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	return out
}

// TestReportWritesCountsByResult: every result exists at zero before a
// write; syncs add up by result.
func TestReportWritesCountsByResult(t *testing.T) {
	w := exporter.NewReportWrites()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(w)
	if got := writes(t, reg); len(got) != 4 || got["failed"] != 0 {
		t.Fatalf("before a write: %v", got)
	}
	w.Add(3, 0, 0, 1)
	w.Add(0, 3, 1, 0)
	got := writes(t, reg)
	for result, want := range map[string]float64{"applied": 3, "unchanged": 3, "deleted": 1, "failed": 1} {
		if got[result] != want {
			t.Errorf("%s = %v, want %v", result, got[result], want)
		}
	}
}
