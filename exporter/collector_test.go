package exporter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/exporter"
	"github.com/tiergate/tiergate/internal/testaudit"
)

// TestCollectorCountsTheReport: the gauges sum to the report's summary
// (workloads, findings), carry no pod name, and say whether the
// informers have synced.
func TestCollectorCountsTheReport(t *testing.T) {
	_, rep := testaudit.Files(t, "../report/testdata/runsfrom.yaml")
	c := exporter.NewCollector()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	c.SetState(false, false)
	if mfs, err := reg.Gather(); err != nil || len(mfs) != 2 || c.Ready() {
		t.Fatalf("before a report: %d families, ready %v, %v", len(mfs), c.Ready(), err)
	}
	c.SetState(true, false)
	c.SetReport(rep, 120*time.Millisecond, time.Unix(1796515200, 0))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			sums[mf.GetName()] += m.GetGauge().GetValue()
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "llama-0") || strings.Contains(l.GetValue(), "web-5d") {
					t.Errorf("%s has a pod name in %s=%s", mf.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	if sums["tiergate_workloads"] != float64(rep.Summary.Workloads) || sums["tiergate_findings"] != float64(countFindings(rep)) ||
		sums["tiergate_informers_synced"] != 1 || sums["tiergate_audit_duration_seconds"] != 0.12 || !c.Ready() {
		t.Errorf("sums %v; summary %d workloads, %d findings counted", sums, rep.Summary.Workloads, countFindings(rep))
	}
}

// countFindings counts findings as the summary does (a custom resource
// with its pods through them).
func countFindings(rep *audit.Report) int {
	n := 0
	for _, r := range rep.Workloads {
		if !r.StandsForPods() {
			n += len(r.Findings)
		}
	}
	return n
}

// TestBarePodsMakeNoSeriesEach: bare pods' findings share a series per
// rule and namespace, whatever their number.
func TestBarePodsMakeNoSeriesEach(t *testing.T) {
	rep := &audit.Report{}
	for _, name := range []string{"scratch-1", "scratch-2", "scratch-3"} {
		rep.Workloads = append(rep.Workloads, audit.Result{Kind: "Pod", Namespace: "n", Name: name, Verdict: audit.VerdictFindings,
			Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: "medium"}}})
	}
	c := exporter.NewCollector()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	c.SetReport(rep, time.Second, time.Now())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "tiergate_findings" && (len(mf.GetMetric()) != 1 || mf.GetMetric()[0].GetGauge().GetValue() != 3) {
			t.Errorf("%d series for three bare pods' findings", len(mf.GetMetric()))
		}
	}
}
