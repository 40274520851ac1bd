package exporter

import "github.com/prometheus/client_golang/prometheus"

// Report write results, the values of tiergate_report_writes_total's
// result label.
const (
	WriteApplied   = "applied"   // created or changed (server-side apply)
	WriteUnchanged = "unchanged" // already as wanted: no call made
	WriteDeleted   = "deleted"   // no longer wanted (garbage collected)
	WriteFailed    = "failed"    // refused (RBAC) or failed; retried next audit
)

// ReportWrites counts the reports serve wrote to the cluster, by result.
// The unchanged count is the writes skipped: with applied it shows how
// much etcd load the content hash saves.
type ReportWrites struct{ *prometheus.CounterVec }

// NewReportWrites returns the counter with every result at zero, so that
// a rate() over it exists before the first write.
func NewReportWrites() ReportWrites {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tiergate_report_writes_total",
		Help: "Reports (Open Reports or PolicyReports) serve applied, found unchanged, deleted or failed to write, by result.",
	}, []string{"result"})
	for _, r := range []string{WriteApplied, WriteUnchanged, WriteDeleted, WriteFailed} {
		c.WithLabelValues(r)
	}
	return ReportWrites{c}
}

// Add counts one sync's outcome.
func (w ReportWrites) Add(applied, unchanged, deleted, failed int) {
	for r, n := range map[string]int{WriteApplied: applied, WriteUnchanged: unchanged, WriteDeleted: deleted, WriteFailed: failed} {
		w.WithLabelValues(r).Add(float64(n))
	}
}
