package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
	"github.com/tiergate/tiergate/policy"
)

// renderTable prints workloads grouped by type, kubectl style: the
// riskiest groups first, one row per workload with its worst finding.
func renderTable(w io.Writer, rep *audit.Report, wide bool, opts Options) error {
	if len(rep.Workloads) == 0 && len(rep.Clusters) == 0 {
		why := opts.Empty
		if why == "" {
			why = fmt.Sprintf("no pod-bearing workloads in %d object%s", opts.Objects, textutil.S(opts.Objects))
		}
		_, err := fmt.Fprintf(w, "Nothing to audit: %s.\n", why)
		return err
	}
	names := map[string]string{}
	for _, r := range audit.Rules() {
		names[r.ID] = r.Name
	}
	if len(rep.Clusters) == 0 {
		if err := renderGroups(w, rep.Workloads, wide, opts, names); err != nil {
			return err
		}
	} else if err := renderFleet(w, rep, wide, opts, names); err != nil {
		return err
	}
	if rep.Baseline != nil {
		if err := renderBaseline(w, rep, names); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", summaryLine(rep))
	return err
}

// tableOrder shows the riskiest types first; "other" last.
var tableOrder = []policy.WorkloadType{policy.CodeExec, policy.Agent, policy.Retrieval, policy.Inference, policy.None}

func groupTitle(t policy.WorkloadType) string {
	if t == policy.None {
		return "OTHER (not LLM workloads)"
	}
	return strings.ToUpper(string(t))
}

func groupByType(rs []audit.Result) map[policy.WorkloadType][]*audit.Result {
	m := map[policy.WorkloadType][]*audit.Result{}
	for i := range rs {
		m[rs[i].Type] = append(m[rs[i].Type], &rs[i])
	}
	return m
}

func row(r *audit.Result, wide bool, names map[string]string) string {
	cols := []string{
		textutil.OrDash(r.Namespace),
		r.Kind + "/" + r.Name,
		confCell(r),
		isolationCell(r),
		textutil.OrDash(string(r.RequiredIsolation)),
		gpuCell(r.GPUs, wide),
		strconv.Itoa(len(r.Findings)),
		worstCell(r, names),
	}
	if wide {
		owner := "-"
		if r.Owner != nil {
			owner = r.Owner.Kind + "/" + r.Owner.Name
		}
		ev := "-"
		if len(r.Evidence) > 0 {
			ev = r.Evidence[0].Text // the decisive one: strongest tier first
		}
		status := r.Status.Text()
		if r.Status != nil && r.Status.Status == audit.StatusTemplate {
			status = r.Launched.StatusText()
		}
		cols = append(cols, textutil.OrDash(status), textutil.OrDash(r.RuntimeClassName), textutil.OrDash(r.Handler), owner, string(r.Verdict), ev)
	}
	for i := range cols {
		cols[i] = textutil.Printable(cols[i])
	}
	return strings.Join(cols, "\t")
}

// confCell is the confidence, with "?" when only names speak for the type.
func confCell(r *audit.Result) string {
	c := strconv.FormatFloat(r.Confidence, 'f', 2, 64)
	if r.Uncertain {
		c += "?"
	}
	return c
}

// metricCells are a pod's RSS, tokens/s and GPU cells: a value, or why
// there is none; "-" for an object that is not a pod.
func metricCells(opts Options, r *audit.Result) string {
	m, ok := opts.metricsOf(r)
	if !ok {
		return "-\t-\t-"
	}
	var cells []string
	for _, f := range []string{metrics.FigureRSS, metrics.FigureTokens, metrics.FigureGPU} {
		c, _ := m.Cell(f)
		cells = append(cells, c)
	}
	return strings.Join(cells, "\t")
}

// isolationCell marks an isolation below the requirement with "<".
func isolationCell(r *audit.Result) string {
	iso := string(r.Isolation)
	if r.RequiredIsolation != "" && r.Isolation.Rank() >= 0 && r.Isolation.Rank() < r.RequiredIsolation.Rank() {
		return iso + " <"
	}
	return iso
}

func worstCell(r *audit.Result, names map[string]string) string {
	f := r.Worst()
	if f == nil {
		if len(r.Exempted) > 0 {
			return "-" + " (" + strconv.Itoa(len(r.Exempted)) + " exempted)"
		}
		return "-"
	}
	return string(f.Severity) + " " + f.Rule + " " + names[f.Rule]
}

// gpuCell prints "4×nvidia.com/gpu"; objects with several pod templates
// show the largest per-pod count of each resource.
func gpuCell(gs []audit.GPU, wide bool) string {
	if len(gs) == 0 {
		return "-"
	}
	max := map[string]int64{}
	var order, dra []string
	for _, g := range gs {
		if g.Claim != nil {
			dra = append(dra, draCell(g, wide))
			continue
		}
		if _, ok := max[g.Resource]; !ok {
			order = append(order, g.Resource)
		}
		if g.Count > max[g.Resource] {
			max[g.Resource] = g.Count
		}
	}
	parts := make([]string, len(order))
	for i, r := range order {
		parts[i] = strconv.FormatInt(max[r], 10) + "×" + r
	}
	return strings.Join(append(parts, dra...), ",")
}

// draCell is a GPU through a claim: "1×dra:gpu.nvidia.com"; wide adds
// whether it is allocated and what the device is (" (allocated NVIDIA
// A100-SXM4-40GB mig 1g.10gb)").
func draCell(g audit.GPU, wide bool) string {
	s := g.CountText() + "×dra:" + g.Resource
	if !wide {
		return s
	}
	facts := []string{g.Claim.State}
	if g.Claim.Product != "" {
		facts = append(facts, g.Claim.Product)
	}
	if g.Claim.MIGProfile != "" {
		facts = append(facts, "mig "+g.Claim.MIGProfile)
	}
	return s + " (" + strings.Join(facts, " ") + ")"
}

func summaryLine(rep *audit.Report) string {
	s := rep.Summary
	var types []string
	for _, t := range policy.Types() {
		if n := s.ByType[t]; n > 0 {
			name := string(t)
			if t == policy.None {
				name = "other"
			}
			types = append(types, strconv.Itoa(n)+" "+name)
		}
	}
	var sevs []string
	for _, sev := range policy.Severities() {
		sevs = append(sevs, strconv.Itoa(s.BySeverity[sev])+" "+string(sev))
	}
	var verdicts []string
	for _, v := range audit.Verdicts() {
		verdicts = append(verdicts, strconv.Itoa(s.ByVerdict[v])+" "+v.Words())
	}
	line := fmt.Sprintf("%d workload%s (%s); verdicts: %s; findings: %s",
		s.Workloads, textutil.S(s.Workloads), strings.Join(types, ", "), strings.Join(verdicts, ", "), strings.Join(sevs, ", "))
	if s.Exempted > 0 {
		line += fmt.Sprintf("; %d exempted", s.Exempted)
	}
	if s.ResourcesWithPods > 0 {
		line += fmt.Sprintf("; %d custom resource%s listed with %s pods (counted through them)", s.ResourcesWithPods, textutil.S(s.ResourcesWithPods), map[bool]string{true: "its", false: "their"}[s.ResourcesWithPods == 1])
	}
	if s.ExpiredExemptions > 0 {
		line += fmt.Sprintf("; %d exemption%s expired", s.ExpiredExemptions, textutil.S(s.ExpiredExemptions))
	}
	if b := rep.Baseline; b != nil {
		line += fmt.Sprintf("; since the baseline: %d new, %d unchanged, %d resolved", b.New, b.Unchanged, len(b.Resolved))
	}
	return line
}

// verifiedCell is what a kernel probe found against what the pod
// declares: "gvisor ✓" as declared or stronger, "shared ✗" weaker,
// "unknown ?" undecided, "not probed: why", or "-" for a pod not chosen.
func verifiedCell(r *audit.Result) string {
	p := r.Probed
	switch {
	case p == nil:
		return "-"
	case p.Error != "":
		return "not probed: " + p.Error
	case p.Isolation() == "":
		return "unknown ?"
	case audit.ProbedWeaker(r.Isolation, p.Isolation()):
		return string(p.Isolation()) + " ✗"
	}
	return string(p.Isolation()) + " ✓"
}

// renderGroups prints workloads grouped by type, riskiest first.
func renderGroups(w io.Writer, ws []audit.Result, wide bool, opts Options, names map[string]string) error {
	groups := groupByType(ws)
	first := true
	for _, t := range tableOrder {
		rows := groups[t]
		if len(rows) == 0 {
			continue
		}
		if !first {
			fmt.Fprintln(w)
		}
		first = false
		fmt.Fprintf(w, "%s (%d)\n", groupTitle(t), len(rows))
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		header := "NAMESPACE\tNAME\tCONF\tISOLATION\tREQUIRED\tGPUS\tFINDINGS\tWORST"
		if wide {
			header += "\tSTATUS\tRUNTIMECLASS\tHANDLER\tOWNER\tVERDICT\tEVIDENCE"
		}
		if opts.Probed {
			header += "\tVERIFIED"
		}
		if opts.Metrics != nil {
			header += "\tRSS\tTOK/S\tGPU%"
		}
		fmt.Fprintln(tw, header)
		for _, n := range nest(rows) {
			r := n.Result
			line := row(r, wide, names)
			if n.child {
				// Under the custom resource it runs from.
				line = strings.Replace(line, "\t", "\t└ ", 1)
			}
			if opts.Probed {
				line += "\t" + textutil.Printable(verifiedCell(r))
			}
			if opts.Metrics != nil {
				line += "\t" + metricCells(opts, r)
			}
			fmt.Fprintln(tw, line)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// renderFleet prints a fleet audit cluster by cluster: a heading with the
// cluster's counts (or why it could not be read), then its groups.
func renderFleet(w io.Writer, rep *audit.Report, wide bool, opts Options, names map[string]string) error {
	for i, c := range rep.Clusters {
		if i > 0 {
			fmt.Fprintln(w)
		}
		var ws []audit.Result
		for _, r := range rep.Workloads {
			if r.Cluster == c.Context {
				ws = append(ws, r)
			}
		}
		switch {
		case c.Error != "":
			fmt.Fprintf(w, "CLUSTER %s: not audited: %s\n", textutil.Printable(c.Context), textutil.Printable(c.Error))
			continue
		case len(ws) == 0:
			fmt.Fprintf(w, "CLUSTER %s: nothing to audit in the scope\n", textutil.Printable(c.Context))
			continue
		}
		sub := &audit.Report{Workloads: ws, Summary: *c.Summary}
		fmt.Fprintf(w, "CLUSTER %s: %s\n\n", textutil.Printable(c.Context), summaryLine(sub))
		if err := renderGroups(w, ws, wide, opts, names); err != nil {
			return err
		}
	}
	return nil
}
