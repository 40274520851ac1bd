package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
)

// renderBaseline lists, after the workloads, the findings new since the
// baseline and those it had that are gone.
func renderBaseline(w io.Writer, rep *audit.Report, names map[string]string) error {
	fresh := rep.Baseline.NewFindings
	for _, part := range []struct {
		title string
		fs    []audit.ResolvedFinding
	}{{"NEW SINCE THE BASELINE", fresh}, {"RESOLVED SINCE THE BASELINE", rep.Baseline.Resolved}} {
		fmt.Fprintf(w, "\n%s (%d)\n", part.title, len(part.fs))
		if len(part.fs) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "SEVERITY\tRULE\tNAMESPACE\tOWNER\tCONTAINER\tMESSAGE")
		for _, f := range part.fs {
			ns := textutil.OrDash(f.Namespace)
			if f.Cluster != "" {
				ns = f.Cluster + "/" + ns
			}
			cols := []string{string(f.Severity), f.Rule + " " + names[f.Rule], ns, f.Owner.Kind + "/" + f.Owner.Name, textutil.OrDash(f.Container), textutil.OneLine(f.Message)}
			for i := range cols {
				cols[i] = textutil.Printable(cols[i])
			}
			fmt.Fprintln(tw, strings.Join(cols, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// Diff is what tiergate diff prints as JSON: the findings new in the
// second report, those of the first that are gone, and how many stayed.
type Diff struct {
	New       []audit.ResolvedFinding `json:"new"`
	Resolved  []audit.ResolvedFinding `json:"resolved"`
	Unchanged int                     `json:"unchanged"`
}

// RenderDiff prints a comparison of two reports (rep is the newer one,
// compared with the older: rep.Baseline set) as a table or JSON.
func RenderDiff(w io.Writer, rep *audit.Report, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(Diff{New: rep.Baseline.NewFindings, Resolved: rep.Baseline.Resolved, Unchanged: rep.Baseline.Unchanged})
	}
	names := map[string]string{}
	for _, r := range audit.Rules() {
		names[r.ID] = r.Name
	}
	if err := renderBaseline(w, rep, names); err != nil {
		return err
	}
	b := rep.Baseline
	_, err := fmt.Fprintf(w, "\n%d new, %d unchanged, %d resolved\n", b.New, b.Unchanged, len(b.Resolved))
	return err
}
