package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/probe"
)

// ProbeResult is one probe with what the pod declared and the finding a
// contradiction raises.
type ProbeResult struct {
	probe.Report
	// Declared is the pod's audited isolation (RuntimeClass → handler →
	// class); nil for a local probe.
	Declared *Declared `json:"declared,omitempty"`
	// Findings are the pod's TG-ISO-005 findings (declared ≠ probed).
	Findings []audit.Finding `json:"findings,omitempty"`
}

// Declared is what the pod's RuntimeClass says.
type Declared struct {
	Isolation        string   `json:"isolation"`
	RuntimeClassName string   `json:"runtimeClassName,omitempty"`
	Handler          string   `json:"handler,omitempty"`
	Evidence         []string `json:"evidence,omitempty"`
}

// RenderProbe writes a probe as text or JSON (-o json).
func RenderProbe(w io.Writer, r *ProbeResult, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if r.Declared == nil && r.Via == probe.ViaLocal {
			// The shape an ephemeral probe reads back (probe.LocalOutput).
			return enc.Encode(probe.LocalOutput{Facts: r.Facts, Verdict: r.Verdict})
		}
		return enc.Encode(r)
	}
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-10s %s\n", k, textutil.Printable(v)) }
	list := func(k string, vs []string) {
		for i, v := range vs {
			if i > 0 {
				k = ""
			}
			line(k, v)
		}
	}
	if r.Pod != "" {
		where := r.Namespace + "/" + r.Pod
		if r.Container != "" {
			where += ", container " + r.Container
		}
		if r.Node != "" {
			where += ", node " + r.Node
		}
		line("POD", where)
	}
	if d := r.Declared; d != nil {
		line("DECLARED", d.Isolation)
		list("", d.Evidence)
	}
	line("PROBED", r.Verdict.String()+" (via "+r.Via+")")
	list("EVIDENCE", r.Verdict.Evidence)
	list("CONFLICTS", r.Verdict.Conflicts)
	if r.Verdict.Caveat != "" {
		line("CAVEAT", r.Verdict.Caveat)
	}
	list("UNREAD", r.Facts.Unread)
	for _, f := range r.Findings {
		line(strings.ToUpper(string(f.Severity)), f.Rule+" "+f.Message)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
