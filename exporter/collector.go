package exporter

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/baseline"
)

var (
	workloadsDesc = prometheus.NewDesc("tiergate_workloads",
		"Workloads audited, by namespace, type, the isolation they have, the one their tier requires, and verdict.",
		[]string{"namespace", "type", "isolation", "required_isolation", "verdict"}, nil)
	findingsDesc = prometheus.NewDesc("tiergate_findings",
		"Findings, by rule, severity, namespace and owner (the Deployment, the custom resource; bare pods as owner_kind Pod without a name).",
		[]string{"rule", "severity", "namespace", "owner_kind", "owner_name"}, nil)
	durationDesc = prometheus.NewDesc("tiergate_audit_duration_seconds",
		"How long the last audit took.", nil, nil)
	lastDesc = prometheus.NewDesc("tiergate_audit_last_timestamp_seconds",
		"When the last audit finished, in seconds since the epoch.", nil, nil)
	syncedDesc = prometheus.NewDesc("tiergate_informers_synced",
		"1 once every watch has listed once, 0 before.", nil, nil)
	staleDesc = prometheus.NewDesc("tiergate_source_stale",
		"1 while the watches are failing (the figures are the last good audit's), 0 when healthy.", nil, nil)
)

// Collector holds the latest report and emits it at each scrape.
type Collector struct {
	mu       sync.RWMutex
	rep      *audit.Report
	took     time.Duration
	at       time.Time
	synced   bool
	stale    bool
	counting counts
}

// counts are a report's metrics, computed once per report rather than
// at each scrape.
type counts struct {
	workloads map[[5]string]int
	findings  map[[5]string]int
}

// NewCollector returns a collector with no report yet: until one is set
// it emits only the sync state.
func NewCollector() *Collector { return &Collector{} }

// SetReport makes rep the report the metrics describe.
func (c *Collector) SetReport(rep *audit.Report, took time.Duration, at time.Time) {
	n := count(rep)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rep, c.took, c.at, c.counting = rep, took, at, n
}

// SetState records whether the informers have synced and whether the
// watches are failing.
func (c *Collector) SetState(synced, stale bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.synced, c.stale = synced, stale
}

// Ready says a report has been set: the first audit is done.
func (c *Collector) Ready() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rep != nil
}

// count turns a report into label sets and counts. A custom resource
// listed with its pods counts through them, as the report's summary does.
func count(rep *audit.Report) counts {
	n := counts{workloads: map[[5]string]int{}, findings: map[[5]string]int{}}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		if r.StandsForPods() {
			continue
		}
		n.workloads[[5]string{r.Namespace, string(r.Type), string(r.Isolation), string(r.RequiredIsolation), string(r.Verdict)}]++
		o := baseline.OwnerOf(r)
		if o.Kind == "Pod" {
			o.Name = "" // a bare pod: its name would make a series per pod
		}
		for _, f := range r.Findings {
			n.findings[[5]string{f.Rule, string(f.Severity), r.Namespace, o.Kind, o.Name}]++
		}
	}
	return n
}

// Describe sends the metrics' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{workloadsDesc, findingsDesc, durationDesc, lastDesc, syncedDesc, staleDesc} {
		ch <- d
	}
}

// Collect sends the latest report's metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ch <- prometheus.MustNewConstMetric(syncedDesc, prometheus.GaugeValue, boolValue(c.synced))
	ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, boolValue(c.stale))
	if c.rep == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, c.took.Seconds())
	ch <- prometheus.MustNewConstMetric(lastDesc, prometheus.GaugeValue, float64(c.at.UnixMilli())/1000)
	for l, v := range c.counting.workloads {
		ch <- prometheus.MustNewConstMetric(workloadsDesc, prometheus.GaugeValue, float64(v), l[:]...)
	}
	for l, v := range c.counting.findings {
		ch <- prometheus.MustNewConstMetric(findingsDesc, prometheus.GaugeValue, float64(v), l[:]...)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
