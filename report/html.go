package report

import (
	_ "embed"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// htmlPage is the one self-contained file -o html writes: its styles and
// script are inline, and it loads nothing when opened.
//
//go:embed html/report.html.tmpl
var htmlPage string

var htmlTemplate = template.Must(template.New("report").Parse(htmlPage))

// htmlData is what the page shows.
type htmlData struct {
	Version, Scope, Generated string
	Summary                   audit.Summary
	Verdicts                  []htmlCount
	Types                     []htmlCount
	Isolations                []policy.Isolation
	Matrix                    []htmlMatrixRow
	Findings                  []htmlFinding
	Workloads                 []htmlWorkload
	NotVisible                []string
	Baseline                  *audit.BaselineDiff
}

type htmlCount struct {
	Name  string
	Count int
}

// htmlMatrixRow is one type's workloads by the isolation they have,
// against the one its tier requires.
type htmlMatrixRow struct {
	Type     string
	Required string
	Cells    []htmlCell
}

type htmlCell struct {
	Count int
	Below bool // the isolation is below the tier's
}

type htmlFinding struct {
	Severity, Rank, Rule, Name, Cluster, Namespace, Workload, Container, Message, Baseline, Anchor string
}

type htmlWorkload struct {
	Anchor, Title, Type, Verdict, Isolation, Required, Status string
	Evidence, IsolationEvidence                               []string
	Findings                                                  []htmlFix
}

type htmlFix struct {
	Severity, Rule, Message, Fix string
}

// renderHTML writes the report as one HTML file: a summary, the
// isolation each type has against the one it requires, every finding
// (sorted and filtered in the page), and each workload's evidence and
// what fixes its findings.
func renderHTML(w io.Writer, rep *audit.Report, opts Options) error {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rules := map[string]audit.Rule{}
	for _, r := range audit.Rules() {
		rules[r.ID] = r
	}
	d := htmlData{Version: opts.ToolVersion, Scope: opts.Scope, Generated: now.UTC().Format(time.RFC3339), Summary: rep.Summary,
		NotVisible: rep.NotVisible, Baseline: rep.Baseline,
		Isolations: []policy.Isolation{policy.SharedKernel, policy.GVisor, policy.VM, policy.MicroVM, policy.Unknown}}
	for _, v := range audit.Verdicts() {
		d.Verdicts = append(d.Verdicts, htmlCount{v.Words(), rep.Summary.ByVerdict[v]})
	}
	matrix := map[policy.WorkloadType]*htmlMatrixRow{}
	d.Matrix = make([]htmlMatrixRow, len(tableOrder)) // rows pointed at below: never grown
	for i, t := range tableOrder {
		d.Types = append(d.Types, htmlCount{string(t), rep.Summary.ByType[t]})
		d.Matrix[i] = htmlMatrixRow{Type: string(t), Cells: make([]htmlCell, len(d.Isolations))}
		matrix[t] = &d.Matrix[i]
	}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		anchor := "w" + strconv.Itoa(i)
		title := objectName(r)
		if !r.StandsForPods() { // counted through its pods, as the summary does
			if row := matrix[r.Type]; row != nil {
				row.Required = string(r.RequiredIsolation)
				for j, iso := range d.Isolations {
					if r.Isolation == iso {
						row.Cells[j].Count++
						// As the audit's below-tier verdict: unknown isolation is
						// TG-ISO-003's, not below the tier.
						row.Cells[j].Below = r.RequiredIsolation != "" && iso.Rank() >= 0 && iso.Rank() < r.RequiredIsolation.Rank()
					}
				}
			}
		}
		wl := htmlWorkload{Anchor: anchor, Title: title, Type: string(r.Type), Verdict: r.Verdict.Words(), Isolation: string(r.Isolation),
			Required: string(r.RequiredIsolation), Status: r.Status.Text(), IsolationEvidence: r.IsolationEvidence}
		for _, e := range r.Evidence {
			wl.Evidence = append(wl.Evidence, e.Text)
		}
		for _, f := range r.Findings {
			wl.Findings = append(wl.Findings, htmlFix{Severity: string(f.Severity), Rule: f.Rule, Message: f.Message, Fix: rules[f.Rule].Fix})
			if r.StandsForPods() {
				continue
			}
			d.Findings = append(d.Findings, htmlFinding{Severity: string(f.Severity), Rank: strconv.Itoa(f.Severity.Rank()), Rule: f.Rule, Name: rules[f.Rule].Name,
				Cluster: r.Cluster, Namespace: r.Namespace, Workload: r.Kind + "/" + r.Name, Container: f.Container,
				Message: f.Message, Baseline: f.Baseline, Anchor: anchor})
		}
		d.Workloads = append(d.Workloads, wl)
	}
	return htmlTemplate.Execute(w, d)
}
