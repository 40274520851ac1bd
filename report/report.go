// Package report renders an audit report as a table, JSON, YAML, SARIF
// 2.1.0 or JUnit XML. It writes only to the writer it is given.
package report

import (
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// Formats lists the output formats, the default first.
func Formats() []string { return []string{"table", "wide", "json", "yaml", "sarif", "junit"} }

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
}

// Render writes rep in format to w.
func Render(w io.Writer, rep *audit.Report, format string, opts Options) error {
	switch format {
	case "", "table":
		return renderTable(w, rep, false, opts)
	case "wide":
		return renderTable(w, rep, true, opts)
	case "json":
		return renderJSON(w, rep)
	case "yaml":
		b, err := yaml.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "sarif":
		return renderSARIF(w, rep, opts)
	case "junit":
		return renderJUnit(w, rep, opts)
	}
	return fmt.Errorf("unknown output format %q", format)
}
