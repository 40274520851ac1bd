package deploy_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/exporter"
	"github.com/tiergate/tiergate/policy"
)

// exported lists the metrics tiergate serve's collector describes, with
// their labels.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	ch := make(chan *prometheus.Desc, 16)
	exporter.NewCollector().Describe(ch)
	close(ch)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	labels := regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
	out := map[string][]string{}
	for d := range ch {
		s := d.String()
		m := name.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("cannot read a metric name in %s", s)
		}
		out[m[1]] = nil
		if l := labels.FindStringSubmatch(s); l != nil && l[1] != "" {
			out[m[1]] = strings.Split(l[1], ",")
		}
	}
	if len(out["tiergate_workloads"]) != 5 {
		t.Fatalf("read %v from the collector's descriptions", out)
	}
	return out
}

// dashboardExprs returns every PromQL expression of the dashboard: panel
// targets and template variables' queries.
func dashboardExprs(t *testing.T, file string) []string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Type  string
				Query json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			var q struct{ Query string }
			if err := json.Unmarshal(v.Query, &q); err != nil {
				t.Fatal(err)
			}
			exprs = append(exprs, q.Query)
		}
	}
	return exprs
}

var (
	// metric names: tiergate's, or any name followed by a selector.
	metricRef = regexp.MustCompile(`\btiergate_[a-z_]+\b`)
	// label matchers inside {...}: name, operator, value.
	selectorRe = regexp.MustCompile(`(tiergate_[a-z_]+)\{([^}]*)\}`)
	matcherRe  = regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	// by (...) / without (...) clauses.
	groupingRe = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	// label_values(metric, label).
	labelValuesRe = regexp.MustCompile(`label_values\((tiergate_[a-z_]+),\s*([a-z_]+)\)`)
)

// TestDashboardQueriesUseExportedMetrics: every metric the Grafana
// dashboard queries is one tiergate serve exports, every label it
// matches, groups by or lists is one of that metric's labels, and every
// verdict and severity it names is one the audit gives. The chart's copy
// is the same file.
func TestDashboardQueriesUseExportedMetrics(t *testing.T) {
	metrics := exported(t)
	exprs := dashboardExprs(t, "grafana/tiergate.json")
	if len(exprs) < 8 {
		t.Fatalf("%d queries", len(exprs))
	}
	known := map[string]map[string]bool{
		"verdict":  {string(audit.VerdictOK): true, string(audit.VerdictFindings): true, string(audit.VerdictBelowTier): true, string(audit.VerdictCritical): true},
		"severity": {string(policy.Low): true, string(policy.Medium): true, string(policy.High): true, string(policy.Critical): true},
	}
	for _, e := range exprs {
		used := metricRef.FindAllString(e, -1)
		if len(used) == 0 {
			t.Errorf("%q queries no tiergate metric", e)
		}
		var labels []string // the labels of the metrics used here
		for _, m := range used {
			l, ok := metrics[m]
			if !ok {
				t.Errorf("%q: tiergate serve exports no %s", e, m)
			}
			labels = append(labels, l...)
		}
		for _, sel := range selectorRe.FindAllStringSubmatch(e, -1) {
			for _, m := range matcherRe.FindAllStringSubmatch(sel[2], -1) {
				if !slices.Contains(metrics[sel[1]], m[1]) {
					t.Errorf("%q: %s has no label %s", e, sel[1], m[1])
				}
				if vals, ok := known[m[1]]; ok {
					for _, v := range strings.Split(m[3], "|") {
						if !vals[v] {
							t.Errorf("%q: %s %q is not one the audit gives", e, m[1], v)
						}
					}
				}
			}
		}
		for _, g := range groupingRe.FindAllStringSubmatch(e, -1) {
			for _, l := range strings.Split(g[1], ",") {
				if l = strings.TrimSpace(l); !slices.Contains(labels, l) {
					t.Errorf("%q: groups by %s, a label of none of %v", e, l, used)
				}
			}
		}
		for _, lv := range labelValuesRe.FindAllStringSubmatch(e, -1) {
			if !slices.Contains(metrics[lv[1]], lv[2]) {
				t.Errorf("%q: %s has no label %s", e, lv[1], lv[2])
			}
		}
	}
	chartCopy, err := os.ReadFile("helm/tiergate/dashboards/tiergate.json")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := os.ReadFile("grafana/tiergate.json")
	if string(chartCopy) != string(plain) {
		t.Error("helm/tiergate/dashboards/tiergate.json differs from deploy/grafana/tiergate.json: copy it over")
	}
}

// TestDashboardShowsWhatTheIssueAsks: isolation by type, below-tier over
// time and the top rules are each a panel.
func TestDashboardShowsWhatTheIssueAsks(t *testing.T) {
	exprs := strings.Join(dashboardExprs(t, "grafana/tiergate.json"), "\n")
	for _, want := range []string{
		`sum by (type, required_isolation, isolation) (tiergate_workloads`,
		`sum by (namespace) (tiergate_workloads{namespace=~"$namespace", verdict="below-tier"})`,
		`topk(10, sum by (rule, severity) (tiergate_findings`,
	} {
		if !strings.Contains(exprs, want) {
			t.Errorf("no query %s", want)
		}
	}
}
