// Package report renders an audit report as a table, JSON, YAML, SARIF
// 2.1.0, JUnit XML, Open Reports or wgpolicyk8s.io PolicyReports. It
// writes only to the writer it is given.
package report

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
	"github.com/tiergate/tiergate/policy"
)

// Formats lists the output formats, the default first.
func Formats() []string {
	return []string{"table", "wide", "json", "yaml", "sarif", "junit", "html", "openreports", "policyreport"}
}

// Options carry what a renderer needs beyond the report.
type Options struct {
	// ToolVersion is stamped into SARIF.
	ToolVersion string
	// FailOn, when set, is the severity at which JUnit marks a failure;
	// lesser findings go to the test case's output.
	FailOn policy.Severity
	// Objects is how many objects were read, for the table's summary.
	Objects int
	// FilteredOut counts workloads the scope (Scope: "-n rag -l app=x")
	// left out, for an empty table to say why it is empty.
	FilteredOut int
	Scope       string
	// Empty says why the scope held nothing to audit, when it did not:
	// the table prints it, JSON and YAML carry it as "empty".
	Empty string
	// Metrics are the pods' live figures (audit --metrics); nil when not
	// asked for. JSON and YAML gain a "metrics" object per pod, tables
	// the RSS, TOK/S and GPU% columns.
	Metrics map[metrics.PodKey]*metrics.Pod
	// Probed says the pods' kernels were probed (audit --probe): tables
	// gain the VERIFIED column (JSON and YAML carry "probed" anyway).
	Probed bool
	// Now stamps the results of Open Reports and PolicyReports (zero:
	// the time of rendering).
	Now time.Time
}

// metricsOf is a result's figures: those of a pod, when asked for.
func (o Options) metricsOf(r *audit.Result) (*metrics.Pod, bool) {
	if o.Metrics == nil || r.Kind != "Pod" {
		return nil, false
	}
	return o.Metrics[metrics.PodKey{Namespace: r.Namespace, Name: r.Name}], true
}

// Render writes rep in format to w.
func Render(w io.Writer, rep *audit.Report, format string, opts Options) error {
	switch format {
	case "", "table":
		return renderTable(w, rep, false, opts)
	case "wide":
		return renderTable(w, rep, true, opts)
	case "json":
		return renderJSON(w, rep, opts)
	case "yaml":
		// The JSON document as YAML (sigs.k8s.io/yaml goes through JSON
		// too), metrics included.
		var js bytes.Buffer
		if err := renderJSON(&js, rep, opts); err != nil {
			return err
		}
		b, err := yaml.JSONToYAML(js.Bytes())
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "sarif":
		return renderSARIF(w, rep, opts)
	case "junit":
		return renderJUnit(w, rep, opts)
	case "html":
		return renderHTML(w, rep, opts)
	case "openreports":
		return renderOpenReports(w, rep, opts, OpenReportsAPI)
	case "policyreport":
		return renderOpenReports(w, rep, opts, PolicyReportAPI)
	}
	return fmt.Errorf("unknown output format %q", format)
}
