package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
)

func (d *detailView) render(r *audit.Result) string {
	var b strings.Builder
	wrap := lipgloss.NewStyle().Width(max(20, d.width-4))
	line := func(format string, args ...any) {
		b.WriteString(textutil.Printable(fmt.Sprintf(format, args...)))
		b.WriteByte('\n')
	}
	// item wraps a plain text (made printable first) and styles it.
	styled := func(s string, st lipgloss.Style) {
		lines := strings.Split(wrap.Render(textutil.Printable(s)), "\n")
		for i, l := range lines {
			lines[i] = st.Render(strings.TrimRight(l, " "))
		}
		b.WriteString(indent(strings.Join(lines, "\n"), "  ", "    "))
		b.WriteByte('\n')
	}
	plain := lipgloss.NewStyle()
	item := func(s string) { styled(s, plain) }
	section := func(title string) {
		b.WriteString("\n" + d.styles.Header.Render(title) + "\n")
	}

	line("%s %s/%s", r.Kind, r.Namespace, r.Name)
	if r.Cluster != "" { // the fleet's: p and f act there
		line("cluster: %s", r.Cluster)
	}
	if d.gone {
		b.WriteString(d.styles.Stale.Render("deleted: this is its last known state (esc goes back)") + "\n")
	}
	if r.Owner != nil {
		owner := r.Owner.Kind + "/" + r.Owner.Name
		if r.RootOwner != nil {
			owner += " ← " + r.RootOwner.Kind + "/" + r.RootOwner.Name
		}
		line("owner: %s", owner)
	}
	// The owner line names it already when it is the top of the chain.
	if rf := r.RunsFrom; rf != nil && (r.Owner == nil || *rf != *r.Owner) && (r.RootOwner == nil || *rf != *r.RootOwner) {
		line("runs from: %s/%s", r.RunsFrom.Kind, r.RunsFrom.Name)
	}
	if r.Source != nil {
		line("source: %s:%d", r.Source.File, r.Source.Line)
	}
	if st := r.Status; st != nil {
		section("STATUS  " + st.Text())
		for _, l := range statusLines(r) {
			item(l)
		}
	}

	uncertain := ""
	if r.Uncertain {
		uncertain = ", uncertain: names only"
	}
	section(fmt.Sprintf("TYPE  %s (confidence %.2f%s)", r.Type, r.Confidence, uncertain))
	for _, e := range r.Evidence {
		if e.Tier == audit.TierNone {
			item("• " + e.Text)
		} else {
			item("• " + e.Text + " · " + e.Tier.String())
		}
	}

	section("ISOLATION  " + isolationCell(r))
	if r.RequiredIsolation != "" {
		req := "required: " + string(r.RequiredIsolation)
		if r.RecommendedIsolation != "" {
			req += ", recommended: " + string(r.RecommendedIsolation)
		}
		item(req)
	}
	for _, e := range r.IsolationEvidence {
		item("• " + e)
	}
	if rc := r.RuntimeClass; rc != nil {
		extra := ""
		if len(rc.NodeSelector) > 0 {
			var sel []string
			for k, v := range rc.NodeSelector {
				sel = append(sel, k+"="+v)
			}
			extra += ", nodeSelector " + strings.Join(slices.Sorted(slices.Values(sel)), ",")
		}
		if len(rc.Overhead) > 0 {
			var parts []string
			for k, v := range rc.Overhead {
				parts = append(parts, k+"="+v.String())
			}
			extra += ", overhead " + strings.Join(slices.Sorted(slices.Values(parts)), " ")
		}
		item("RuntimeClass " + rc.Name + ": handler " + rc.Handler + extra)
	}
	for _, n := range r.Nodes {
		item(fmt.Sprintf("node %s: kernel %s, runtime %s, handlers %s", n.Name, textutil.OrDash(n.KernelVersion), textutil.OrDash(n.ContainerRuntimeVersion), textutil.OrDash(strings.Join(n.RuntimeHandlers, ","))))
	}
	for _, l := range kernelLines(r) {
		item(l)
	}
	if msg := d.probeErrs[r.UID]; msg != "" && r.UID != "" {
		styled("kernel probe failed: "+msg, d.styles.Stale)
	}

	section("GPUS")
	if len(r.GPUs) == 0 {
		item("none requested")
	}
	for _, c := range r.Containers {
		for _, g := range c.GPUs {
			item(fmt.Sprintf("%s: %d × %s", c.Name, g.Count, g.Resource))
		}
	}
	for _, l := range draLines(r) {
		item(l)
	}

	section("LIVE")
	for _, l := range d.liveLines(r) {
		item(l)
	}

	section(fmt.Sprintf("FINDINGS (%d)", len(r.Findings)))
	if l := enforceLine(r); l != "" {
		item(l)
	}
	if len(r.Findings) == 0 {
		styled("none", d.styles.OK)
	}
	for _, f := range bySeverity(r.Findings) {
		rule := d.rules[f.Rule]
		b.WriteString("  " + d.styles.Severity[f.Severity].Render(strings.ToUpper(string(f.Severity))) + " " + f.Rule + " " + rule.Name + "\n")
		item(f.Message)
		if f.Path != "" {
			item("at " + f.Path)
		}
		styled("why: "+rule.Rationale, d.styles.Dim)
		styled("fix: "+rule.Fix, d.styles.Dim)
	}
	for _, e := range r.Exempted {
		item(fmt.Sprintf("exempted %s: %s (reason: %s)", e.Rule, e.Message, e.Reason))
	}
	return strings.TrimRight(b.String(), "\n")
}

// enforceLine says that the namespace's Pod Security enforce level makes
// fixing the pod-security findings a requirement, not advice.
func enforceLine(r *audit.Result) string {
	ps := r.NamespacePodSecurity
	if ps == nil || ps.Enforce == "" || strings.HasPrefix(ps.Enforce, "privileged") {
		return ""
	}
	return "namespace " + r.Namespace + " enforces Pod Security " + ps.Enforce + ": the API server refuses pods that violate it, so fixing their pod-security findings is already required"
}

// bySeverity orders findings most severe first, then by rule and
// container, leaving the result's own order alone.
func bySeverity(fs []audit.Finding) []audit.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b audit.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Container, b.Container))
	})
	return out
}

// statusLines say what the cluster says of the workload: why a pod is
// not running (the scheduler's or the kubelet's words), its readiness
// and restarts; why a controller has no pods.
func statusLines(r *audit.Result) []string {
	st := r.Status
	var out []string
	switch {
	case st.Status == audit.StatusTemplate:
		out = append(out, "a template: the sandboxes its claims and warm pools launch run this pod template; it runs no pod of its own"+r.Launched.Clause())
	case st.Status == audit.StatusPods:
		out = append(out, "this is its pod template's audit; the pods that run from it are listed under it in the table (space folds them), each with what it really runs")
	case st.Status == audit.StatusNoPods && st.Message != "":
		out = append(out, "no pod runs from it: "+st.Message)
	case st.Status == audit.StatusNoPods:
		out = append(out, "no pod runs from it, and its status does not say why: kubectl describe "+strings.ToLower(r.Kind)+" "+r.Name+" -n "+r.Namespace+" shows its events")
	case st.Reason == "Unschedulable" && st.Message != "":
		out = append(out, "the scheduler left it unscheduled: "+st.Message)
	case st.Message != "":
		out = append(out, st.Status+": "+st.Message)
	}
	if st.Status != audit.StatusNoPods && st.Status != audit.StatusTemplate && st.Status != audit.StatusPods {
		out = append(out, fmt.Sprintf("phase %s, %d/%d containers ready, %d restarts", textutil.OrDash(st.Phase), st.Ready, st.Containers, st.Restarts))
	}
	return out
}

// liveLines are a pod's live figures, each with its source, or why it
// has none.
func (d *detailView) liveLines(r *audit.Result) []string {
	switch {
	case !d.live:
		return []string{"not read: RSS, tokens/s and GPU use come from a live cluster (files have none; --metrics=false turns them off)"}
	case r.Kind != "Pod":
		return []string{"no pods: a workload's figures are its pods'"}
	case d.figures == nil:
		return []string{"reading…"}
	}
	p := d.figures[metrics.PodKey{Namespace: r.Namespace, Name: r.Name}]
	if p == nil {
		return []string{"not read yet (the pod is newer than the last reading)"}
	}
	why := func(f string) string { return "— (" + p.Why[f] + ")" }
	var out []string
	if p.RSSBytes != nil {
		line := "memory: " + metrics.Bytes(*p.RSSBytes) + " from " + p.RSSSource
		if p.RSSAt != nil {
			// Carried over: its node's kubelet waits its turn.
			line += ", read at " + p.RSSAt.Format("15:04:05") + " (kubelets are read in turns)"
		}
		out = append(out, line)
	} else {
		out = append(out, "memory: "+why(metrics.FigureRSS))
	}
	var serving []string
	opt := func(v *float64, format string) {
		if v != nil {
			serving = append(serving, fmt.Sprintf(format, *v))
		}
	}
	opt(p.TokensPerSecond, "%.1f tokens/s generated")
	opt(p.PromptTokensPerSecond, "%.1f prompt tokens/s")
	opt(p.InferencesPerSecond, "%.1f inferences/s")
	opt(p.RequestsRunning, "%.0f requests running")
	opt(p.RequestsWaiting, "%.0f waiting")
	if p.KVCacheUsage != nil {
		serving = append(serving, fmt.Sprintf("KV cache %.0f%%", *p.KVCacheUsage*100))
	}
	switch {
	case p.Engine != "" && len(serving) > 0:
		out = append(out, p.Engine+" ("+p.ServingSource+"): "+strings.Join(serving, ", "))
		if w := p.Why[metrics.FigureTokens]; w != "" {
			out = append(out, "tokens/s: — ("+w+")")
		}
	default:
		out = append(out, "tokens/s: "+why(metrics.FigureTokens))
	}
	if p.GPUUtil != nil {
		g := fmt.Sprintf("GPU: %.0f%% utilisation", *p.GPUUtil)
		if p.GPUMemoryUsedBytes != nil {
			g += ", " + metrics.Bytes(*p.GPUMemoryUsedBytes) + " framebuffer used"
		}
		out = append(out, g+" ("+p.GPUSource+")")
	} else {
		out = append(out, "GPU: "+why(metrics.FigureGPU))
	}
	return out
}
