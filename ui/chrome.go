package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/policy"
)

// chrome is the frame around the views: two header lines (the source and
// the data's state; the verdict counts and the figures' state) and the
// status line (the input line, the apply question, an error, a notice,
// or the view's status), with "? help" kept at its end.
type chrome struct {
	styles        *Styles
	width, height int
	notice        string // one-off message, until the next key
	// counts caches the verdict counts of the namespace :ns narrowed the
	// table to, for the header.
	counts nsCounts
}

// nsCounts are the verdict counts of one namespace of one report.
type nsCounts struct {
	report    *audit.Report
	namespace string
	total     int
	counts    map[audit.Verdict]int
}

// bodyHeight leaves two header lines and one status line.
func (c *chrome) bodyHeight() int { return max(1, c.height-3) }

// count counts the namespace :ns narrowed the table to, when the report
// or the namespace changed since the last count (in Update: View only
// reads it).
func (c *chrome) count(rep *audit.Report, ns string) {
	if rep == nil || ns == "" || (c.counts.report == rep && c.counts.namespace == ns) {
		return
	}
	n, byVerdict := 0, map[audit.Verdict]int{}
	for i := range rep.Workloads {
		// As the summary: a custom resource listed with its pods counts
		// through them.
		if r := &rep.Workloads[i]; r.Namespace == ns && !r.StandsForPods() {
			byVerdict[r.Verdict]++
			n++
		}
	}
	c.counts = nsCounts{report: rep, namespace: ns, total: n, counts: byVerdict}
}

// verdictCounts counts the workloads in view by verdict: the whole
// report's, or the namespace's that :ns narrowed the table to, so that
// the header always describes the rows below it.
func (c *chrome) verdictCounts(rep *audit.Report, ns string) (int, map[audit.Verdict]int) {
	if ns == "" || c.counts.report != rep || c.counts.namespace != ns {
		return rep.Summary.Workloads, rep.Summary.ByVerdict
	}
	return c.counts.total, c.counts.counts
}

// View lays the screen out: header, body, status line.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "tiergate"
	return v
}

func (a *App) render() string {
	c := &a.chrome
	if c.width == 0 {
		return ""
	}
	body := a.current().View()
	if a.overlay != nil {
		body = a.overlay.View()
	}
	return strings.Join([]string{a.headerLine1(), a.headerLine2(), fit(body, c.width, c.bodyHeight()), a.statusLine()}, "\n")
}

func (a *App) headerLine1() string {
	c, src := &a.chrome, &a.session.src
	state, bad := a.session.headerState()
	parts := []string{c.styles.Title.Render("tiergate")}
	context, server := a.session.where()
	if context != "" {
		parts = append(parts, "ctx "+context)
	}
	if server != "" {
		parts = append(parts, server)
	}
	ns := src.scope
	if n := a.table.Namespace(); n != "" {
		ns = "ns " + n
	}
	parts = append(parts, ns)
	st := c.styles.Dim
	if bad {
		st = c.styles.Stale
	}
	parts = append(parts, st.Render(state))
	// The state must show: on a narrow screen the server goes first,
	// then the context is cut.
	if line := strings.Join(parts, "  "); lipgloss.Width(line) > c.width && server != "" {
		parts = slices.DeleteFunc(parts, func(p string) bool { return p == server })
	}
	if lipgloss.Width(strings.Join(parts, "  ")) > c.width && context != "" {
		over := lipgloss.Width(strings.Join(parts, "  ")) - c.width
		for k, p := range parts {
			if p == "ctx "+context {
				parts[k] = ansi.Truncate(p, max(6, lipgloss.Width(p)-over), "…")
			}
		}
	}
	return fitLine(strings.Join(parts, "  "), c.width)
}

func (a *App) headerLine2() string {
	c, rep := &a.chrome, a.session.report()
	if rep == nil {
		return fitLine(c.styles.Dim.Render(strings.TrimPrefix(a.session.metricsState(false), " · ")), c.width)
	}
	total, counts := c.verdictCounts(rep, a.table.Namespace())
	styles := map[audit.Verdict]lipgloss.Style{
		audit.VerdictCritical: c.styles.Severity[policy.Critical], audit.VerdictBelowTier: c.styles.Below,
		audit.VerdictFindings: lipgloss.NewStyle(), audit.VerdictOK: c.styles.OK,
	}
	parts := make([]string, 0, 4)
	for _, v := range audit.Verdicts() {
		parts = append(parts, styles[v].Render(itoa(counts[v])+" "+v.Words()))
	}
	s := itoa(total) + " workload" + textutil.S(total) + ": " + strings.Join(parts, " · ")
	// What RBAC hides comes before the metrics note: it is what must not
	// be cut off.
	if n := len(rep.NotVisible); n > 0 {
		s += c.styles.Stale.Render(" · " + itoa(n) + " not visible (i)")
	}
	s += c.styles.Dim.Render(a.session.metricsState(c.width < 100))
	return fitLine(s, c.width)
}

func (a *App) statusLine() string {
	c := &a.chrome
	if a.input.Active() {
		return fitLine(a.input.View(), c.width)
	}
	// The apply question stays on screen over errors and notices: y
	// answers it.
	if a.focus == viewFix {
		if q := a.fix.Question(); q != "" {
			return fitLine(c.styles.Stale.Render(q), c.width)
		}
	}
	if err := a.session.data.err; err != nil {
		return c.withHelpHint(c.styles.Error.Render("error (showing the last data): " + oneLine(err.Error())))
	}
	if c.notice != "" {
		return c.withHelpHint(c.styles.Stale.Render(oneLine(c.notice)))
	}
	return fitLine(c.styles.Help.Render(a.current().Status()+"  ? help"), c.width)
}

// withHelpHint puts "? help" at the end of a status message, cutting the
// message rather than the hint: a stream of notices (the metrics
// sources', a probe's) must never hide how to get help.
func (c *chrome) withHelpHint(msg string) string {
	const hint = "  ? help"
	room := c.width - len(hint)
	if room < 10 {
		return fitLine(msg, c.width)
	}
	return fitLine(ansi.Truncate(msg, room, "…"), room) + c.styles.Help.Render(hint)
}
