package ui

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/policy"
)

// Config is what the app shows and where its data comes from.
type Config struct {
	// Context, Server and Scope describe the source in the header.
	Context, Server, Scope string
	// Namespace is the live source's namespace, "" for all namespaces.
	Namespace string
	// Snapshots streams live snapshots; Static is a single one (files).
	Snapshots <-chan *cluster.Snapshot
	Static    *cluster.Snapshot
	// Open, when set, opens a live feed for another namespace ("" for
	// all): ":ns NAME" outside the current scope switches to it. It is
	// called off the UI goroutine. StopFeed stops the first feed
	// (Snapshots) when the app switches away from it.
	Open     func(namespace string) (*Feed, error)
	StopFeed func()
	// Engine audits the snapshots and computes fixes (f in the detail
	// view); it is shared by the commands that run at once.
	Engine *audit.Engine
	// Applier applies fixes (a in the fix view) to the live cluster, and
	// Owners reads the objects they patch; nil on files.
	// The server's warnings come with each object's outcome (printed to
	// stderr they would tear the screen).
	Applier Applier
	Owners  OwnerReader
	// Metrics reads the pods' RSS, tokens/s and GPU use every
	// MetricsInterval; nil on files or with --metrics=false.
	Metrics         MetricsReader
	MetricsInterval time.Duration
	// Probe reads a pod's kernel when the user presses p; nil on files.
	Probe ProbeFunc
	// Now is the clock for exemption expiry.
	Now func() time.Time
}

type viewMode int

const (
	modeTable viewMode = iota
	modeDetail
	modeNodes
	modeFix
)

type inputMode int

const (
	inputNone inputMode = iota
	inputFilter
	inputCommand
)

// App is the root model: it routes messages to the components and lays
// the screen out.
type App struct {
	cfg    Config
	keys   KeyMap
	styles *Styles

	width, height int
	mode          viewMode
	showHelp      bool
	helpOffset    int // first line of the help shown, when it is taller than the screen
	showInfo      bool
	input         textinput.Model
	inputMode     inputMode
	help          help.Model

	table  *workloadTable
	detail *detailView
	nodes  *nodesView
	fix    *fixView

	// session is what is looked at: the feed, the data, probes and figures.
	session *session
	out     *outbox
	// quitMidApply: ctrl+c came while an apply was in flight
	// (QuitDuringApply tells the command line).
	quitMidApply bool
	notice       string // one-off message (unknown command, out-of-scope namespace)

	// nsCounts caches the verdict counts of the namespace :ns narrowed
	// the table to, for the header.
	nsCounts nsCounts
}

// nsCounts are the verdict counts of one namespace of one report.
type nsCounts struct {
	report    *audit.Report
	namespace string
	total     int
	counts    map[audit.Verdict]int
}

// New builds the app.
func New(cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Context, cfg.Scope = textutil.Printable(cfg.Context), textutil.Printable(cfg.Scope)
	cfg.Server = displayServer(cfg.Server)
	styles := NewStyles()
	in := textinput.New()
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	out := &outbox{}
	return &App{
		cfg: cfg, keys: NewKeyMap(), styles: &styles, input: in, help: help.New(), session: newSession(cfg, out), out: out,
		table: newWorkloadTable(&styles, cfg.Metrics != nil), detail: newDetailView(&styles, cfg.Metrics != nil), nodes: newNodesView(&styles), fix: newFixView(&styles),
	}
}

// Init starts listening for data, or connecting.
func (a *App) Init() tea.Cmd { return a.session.Init() }

// ConnectError is why the view never reached the cluster, if it did not:
// the command line reports it after the view closes.
func (a *App) ConnectError() error { return a.session.connectError() }

// Update routes a message.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := a.update(msg)
	cmds := []tea.Cmd{cmd}
	// What the session and the components asked for, at once.
	for len(a.out.msgs) > 0 {
		for _, m := range a.out.take() {
			cmds = append(cmds, a.handle(m))
		}
	}
	// The header's counts follow the report and :ns; View only reads them.
	a.refreshNSCounts()
	return a, tea.Batch(cmds...)
}

// handle takes what the session asked for.
func (a *App) handle(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case noticeMsg:
		a.notice = m.text
	case reportMsg:
		a.table.SetResults(m.rep.Workloads, m.entries)
		a.nodes.SetNodes(m.rep.Nodes)
		if a.detail.res != nil {
			if r := a.table.Find(a.detail.key); r != nil {
				a.detail.Show(r)
			} else {
				a.detail.Gone()
			}
		}
	case figuresMsg:
		a.table.SetFigures(m.pods)
		a.detail.SetFigures(m.pods)
	case probeErrorMsg:
		a.detail.SetProbeError(m.uid, m.text)
	case feedSwitchedMsg:
		a.notice = ""
		a.table.f.namespace = ""
		a.table.SetResults(nil, nil)
		a.table.SetFigures(nil)
		a.detail.SetFigures(nil)
		a.nodes.SetNodes(nil)
		a.detail.res = nil
		if a.mode == modeDetail {
			a.setMode(modeTable)
		}
	}
	return nil
}

func (a *App) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.resize(msg.Width, msg.Height)
		return a, nil
	case snapshotMsg, auditedMsg, sourceClosedMsg, feedOpenedMsg, reconnectMsg, metricsMsg, metricsTickMsg, probedMsg:
		return a, a.session.Update(msg)
	case fixComputedMsg:
		// The answer to an older request (another workload's) is dropped.
		if msg.seq == a.fix.seq && a.fix.stage == fixComputing {
			a.fix.Computed(msg.res, msg.err)
		}
		return a, nil
	case dryRunMsg:
		if msg.seq == a.fix.seq && a.fix.stage == fixDryRunning {
			a.fix.DryRan(msg.outs)
		}
		return a, nil
	case appliedMsg:
		if msg.seq == a.fix.seq && a.fix.stage == fixApplying {
			a.fix.Applied(msg.outs)
		}
		return a, nil
	case tea.MouseWheelMsg:
		a.wheel(msg)
		return a, nil
	case tea.KeyPressMsg:
		return a.onKey(msg)
	}
	return a, nil
}

func (a *App) resize(w, h int) {
	a.width, a.height = w, h
	body := a.bodyHeight()
	a.table.SetSize(w, body)
	a.detail.SetSize(w, body)
	a.nodes.SetSize(w, body)
	a.fix.SetSize(w, body)
	a.help.SetWidth(w)
	a.input.SetWidth(max(10, w-2))
}

// bodyHeight leaves two header lines and one status line.
func (a *App) bodyHeight() int { return max(1, a.height-3) }

func (a *App) wheel(m tea.MouseWheelMsg) {
	delta := 0
	switch m.Button {
	case tea.MouseWheelUp:
		delta = -3
	case tea.MouseWheelDown:
		delta = 3
	}
	switch a.mode {
	case modeTable:
		a.table.Move(delta)
	case modeDetail:
		a.detail.vp.SetYOffset(a.detail.vp.YOffset() + delta)
	case modeNodes:
		a.nodes.vp.SetYOffset(a.nodes.vp.YOffset() + delta)
	case modeFix:
		a.fix.vp.SetYOffset(a.fix.vp.YOffset() + delta)
	}
}

func (a *App) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := a.keys
	if key.Matches(msg, k.Interrupt) {
		a.quitMidApply = a.mode == modeFix && a.fix.stage == fixApplying
		return a, tea.Quit
	}
	if a.inputMode != inputNone {
		return a, a.onInputKey(msg)
	}
	a.notice = ""
	// While the server works on a dry run or an apply, the view stays
	// put, so that its answer is seen; ctrl+c still quits (and says so).
	if a.mode == modeFix && a.fix.busy() {
		a.notice = "waiting for the server (ctrl+c quits)"
		return a, nil
	}
	if a.showHelp || a.showInfo {
		switch {
		case key.Matches(msg, k.Quit):
			return a, tea.Quit
		case key.Matches(msg, k.Help), key.Matches(msg, k.Info), key.Matches(msg, k.Back):
			a.showHelp, a.showInfo = false, false
		case a.showHelp && key.Matches(msg, k.Down):
			a.helpOffset = min(a.helpOffset+1, max(0, len(a.helpLines())-a.helpRoom()))
		case a.showHelp && key.Matches(msg, k.Up):
			a.helpOffset = max(0, a.helpOffset-1)
		}
		return a, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return a, tea.Quit
	case key.Matches(msg, k.Help):
		a.showHelp, a.helpOffset = true, 0
		return a, nil
	case key.Matches(msg, k.Info):
		a.showInfo = true
		return a, nil
	case key.Matches(msg, k.Command):
		return a, a.openInput(inputCommand, ":", "")
	}
	switch a.mode {
	case modeDetail:
		switch {
		case key.Matches(msg, k.Fix):
			return a, a.startFix()
		case key.Matches(msg, k.Probe):
			return a, a.session.startProbe(a.detail.res)
		}
		return a, a.onScrollKey(msg, &a.detail.vp)
	case modeFix:
		return a, a.onFixKey(msg)
	case modeNodes:
		return a, a.onScrollKey(msg, &a.nodes.vp)
	}
	return a, a.onTableKey(msg)
}

func (a *App) onScrollKey(msg tea.KeyPressMsg, vp *viewport.Model) tea.Cmd {
	k := a.keys
	switch {
	case key.Matches(msg, k.Back):
		a.setMode(modeTable)
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	case key.Matches(msg, k.Nodes):
		a.setMode(modeNodes)
	}
	return nil
}

// setMode switches views. Leaving the detail view (other than for its
// fix) stops it following its pod across refreshes.
func (a *App) setMode(m viewMode) {
	if m != modeDetail && m != modeFix {
		a.detail.res = nil
	}
	a.mode = m
}

// QuitDuringApply reports whether the user quit while a fix was being
// applied: some objects may have changed, and the command line says so.
func (a *App) QuitDuringApply() bool { return a.quitMidApply }

// startFix computes the fix of the workload in the detail view.
func (a *App) startFix() tea.Cmd {
	r := a.detail.res
	inv, rep := a.session.audited()
	switch {
	case r == nil || rep == nil:
		return nil
	case a.detail.gone:
		a.notice = "the workload is gone; nothing to fix"
		return nil
	case a.cfg.Engine == nil:
		a.notice = "fixes are not available here"
		return nil
	}
	a.fix.Start(resultKey(r), r.Kind+"/"+r.Namespace+"/"+r.Name, a.cfg.Applier != nil)
	a.mode = modeFix
	return fixCmd(a.cfg.Engine, a.cfg.Owners, inv, rep, a.fix.key, a.fix.seq, a.cfg.Now())
}

// onFixKey scrolls the fix view and drives its dry run and apply: a runs
// the server dry run; y applies what it showed (but the changes that
// take fields other managers own), o applies everything taking ownership
// of those fields, n or esc declines.
func (a *App) onFixKey(msg tea.KeyPressMsg) tea.Cmd {
	k, f := a.keys, a.fix
	switch {
	case f.stage == fixConfirm && key.Matches(msg, k.Confirm):
		items := f.chosen(false)
		if len(items) == 0 {
			a.notice = "every change takes fields other managers own: o takes ownership, n declines"
			return nil
		}
		f.next(fixApplying)
		return applyCmd(a.cfg.Applier, f.seq, items)
	case f.stage == fixConfirm && key.Matches(msg, k.TakeOwnership) && f.conflicts() > 0:
		f.next(fixApplying)
		return applyCmd(a.cfg.Applier, f.seq, f.chosen(true))
	case f.stage == fixConfirm && (key.Matches(msg, k.Decline) || key.Matches(msg, k.Back)):
		f.stage = fixShown
		a.notice = "nothing applied"
		return nil
	case key.Matches(msg, k.Apply):
		switch {
		case a.cfg.Applier == nil:
			a.notice = "apply needs a live cluster; on files use tiergate fix -o manifests or -o patch"
		case f.stage != fixShown:
		case len(f.items) == 0:
			a.notice = "nothing to apply here"
		default:
			f.dry, f.applied = nil, nil
			f.next(fixDryRunning)
			return dryRunCmd(a.cfg.Applier, f.seq, f.items)
		}
		return nil
	case key.Matches(msg, k.Back):
		a.mode = modeDetail
		return nil
	}
	return a.onScrollKey(msg, &f.vp)
}

func (a *App) onTableKey(msg tea.KeyPressMsg) tea.Cmd {
	k, t := a.keys, a.table
	switch {
	case key.Matches(msg, k.Up):
		t.Move(-1)
	case key.Matches(msg, k.Down):
		t.Move(1)
	case key.Matches(msg, k.PageUp):
		t.Move(-t.bodyHeight())
	case key.Matches(msg, k.PageDown):
		t.Move(t.bodyHeight())
	case key.Matches(msg, k.Top):
		t.Top()
	case key.Matches(msg, k.Bottom):
		t.Bottom()
	case key.Matches(msg, k.Toggle):
		t.ToggleGroup()
	case key.Matches(msg, k.Enter):
		r, ok := t.Selected()
		switch {
		case !ok:
		case r.header:
			t.ToggleGroup()
		default:
			a.detail.Show(r.res)
			a.setMode(modeDetail)
		}
	case key.Matches(msg, k.Probe):
		if r, ok := t.Selected(); ok && !r.header {
			return a.session.startProbe(r.res)
		}
	case key.Matches(msg, k.Filter):
		return a.openInput(inputFilter, "/", t.f.text)
	case key.Matches(msg, k.Back):
		t.f.text, t.f.typ, t.f.minSeverity = "", "", ""
		t.rebuild()
	case key.Matches(msg, k.Type):
		t.f.typ = nextType(t.f.typ)
		t.rebuild()
	case key.Matches(msg, k.Severity):
		t.f.minSeverity = nextSeverity(t.f.minSeverity)
		t.rebuild()
	case key.Matches(msg, k.Sort):
		t.SetSort((t.f.sort+1)%sortColumns, t.f.reverse)
	case key.Matches(msg, k.Reverse):
		t.SetSort(t.f.sort, !t.f.reverse)
	case key.Matches(msg, k.Nodes):
		a.setMode(modeNodes)
	}
	return nil
}

func (a *App) openInput(mode inputMode, prompt, value string) tea.Cmd {
	a.inputMode = mode
	a.input.Prompt = prompt
	a.input.SetValue(value)
	a.input.CursorEnd()
	return a.input.Focus()
}

// onInputKey handles the filter and command lines: the filter applies
// as it is typed; a command runs on enter.
func (a *App) onInputKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, a.keys.Cancel):
		if a.inputMode == inputFilter {
			a.table.f.text = ""
			a.table.rebuild()
		}
		a.closeInput()
		return nil
	case key.Matches(msg, a.keys.Accept):
		var cmd tea.Cmd
		if a.inputMode == inputCommand {
			cmd = a.runCommand(strings.TrimSpace(a.input.Value()))
		}
		a.closeInput()
		return cmd
	}
	var cmd tea.Cmd
	a.input, cmd = a.input.Update(msg)
	if a.inputMode == inputFilter {
		a.table.f.text = a.input.Value()
		a.table.rebuild()
	}
	return cmd
}

func (a *App) closeInput() {
	a.inputMode = inputNone
	a.input.Blur()
}

// runCommand runs a ":" command, k9s-style.
func (a *App) runCommand(cmd string) tea.Cmd {
	fields := strings.Fields(cmd)
	if len(fields) == 0 {
		return nil
	}
	switch fields[0] {
	case "q", "quit", "q!":
		a.notice = "press q to quit"
	case "pods", "po", "workloads", "wl":
		a.setMode(modeTable)
	case "nodes", "no", "node":
		a.setMode(modeNodes)
	case "help":
		a.showHelp = true
	case "ns", "namespace":
		ns := ""
		if len(fields) > 1 && fields[1] != "all" && fields[1] != "-A" {
			ns = fields[1]
		}
		a.setMode(modeTable)
		if cmd := a.session.openNamespace(ns); cmd != nil {
			return cmd
		}
		a.table.f.namespace = a.session.namespaceFilter(ns)
		a.table.rebuild()
		if note := a.session.namespaceNote(ns); note != "" {
			a.notice = note
		}
	default:
		a.notice = "unknown command " + fields[0] + " (try ns NAME, ns all, nodes, pods, help)"
	}
	return nil
}

func nextType(t policy.WorkloadType) policy.WorkloadType {
	order := append([]policy.WorkloadType{""}, typeOrder...)
	for i, o := range order {
		if o == t {
			return order[(i+1)%len(order)]
		}
	}
	return ""
}

func nextSeverity(s policy.Severity) policy.Severity {
	order := []policy.Severity{"", policy.Low, policy.Medium, policy.High, policy.Critical}
	for i, o := range order {
		if o == s {
			return order[(i+1)%len(order)]
		}
	}
	return ""
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
	if a.width == 0 {
		return ""
	}
	body := ""
	switch a.mode {
	case modeDetail:
		body = a.detail.View()
	case modeFix:
		body = a.fix.View()
	case modeNodes:
		body = a.nodes.View()
		if a.session.report() == nil {
			body = a.styles.Dim.Render(a.emptyText())
		}
	default:
		body = a.table.View(a.emptyText())
	}
	switch {
	case a.showHelp:
		body = a.helpOverlay()
	case a.showInfo:
		body = a.infoOverlay()
	}
	return strings.Join([]string{a.headerLine1(), a.headerLine2(), fit(body, a.width, a.bodyHeight()), a.statusLine()}, "\n")
}

func (a *App) emptyText() string {
	text, waiting := a.session.emptyReason()
	switch {
	case waiting:
		return text
	case len(a.table.results) > 0:
		f := a.table.f
		switch {
		case f.namespace != "" && f.text == "" && f.typ == "" && f.minSeverity == "":
			return "no workloads in namespace " + f.namespace + " (:ns all shows every namespace)"
		case f.namespace != "":
			return "no workloads in namespace " + f.namespace + " match the filters (esc clears them; :ns all shows every namespace)"
		}
		return "no workloads match the filters (esc clears them)"
	}
	return text
}

func (a *App) headerLine1() string {
	src := &a.session.src
	state, bad := a.session.headerState()
	parts := []string{a.styles.Title.Render("tiergate")}
	if src.context != "" {
		parts = append(parts, "ctx "+src.context)
	}
	if src.server != "" {
		parts = append(parts, src.server)
	}
	ns := src.scope
	if a.table.f.namespace != "" {
		ns = "ns " + a.table.f.namespace
	}
	parts = append(parts, ns)
	st := a.styles.Dim
	if bad {
		st = a.styles.Stale
	}
	parts = append(parts, st.Render(state))
	// The state must show: on a narrow screen the server goes first,
	// then the context is cut.
	if line := strings.Join(parts, "  "); lipgloss.Width(line) > a.width && src.server != "" {
		parts = slices.DeleteFunc(parts, func(p string) bool { return p == src.server })
	}
	if lipgloss.Width(strings.Join(parts, "  ")) > a.width && src.context != "" {
		over := lipgloss.Width(strings.Join(parts, "  ")) - a.width
		for k, p := range parts {
			if p == "ctx "+src.context {
				parts[k] = ansi.Truncate(p, max(6, lipgloss.Width(p)-over), "…")
			}
		}
	}
	return fitLine(strings.Join(parts, "  "), a.width)
}

func (a *App) headerLine2() string {
	rep := a.session.report()
	if rep == nil {
		return fitLine(a.styles.Dim.Render(strings.TrimPrefix(a.session.metricsState(false), " · ")), a.width)
	}
	total, counts := a.verdictCounts()
	styles := map[audit.Verdict]lipgloss.Style{
		audit.VerdictCritical: a.styles.Severity[policy.Critical], audit.VerdictBelowTier: a.styles.Below,
		audit.VerdictFindings: lipgloss.NewStyle(), audit.VerdictOK: a.styles.OK,
	}
	parts := make([]string, 0, 4)
	for _, v := range audit.Verdicts() {
		parts = append(parts, styles[v].Render(itoa(counts[v])+" "+v.Words()))
	}
	s := itoa(total) + " workloads: " + strings.Join(parts, " · ")
	// What RBAC hides comes before the metrics note: it is what must not
	// be cut off.
	if n := len(rep.NotVisible); n > 0 {
		s += a.styles.Stale.Render(" · " + itoa(n) + " not visible (i)")
	}
	s += a.styles.Dim.Render(a.session.metricsState(a.width < 100))
	return fitLine(s, a.width)
}

// verdictCounts counts the workloads in view by verdict: the whole
// report's, or the namespace's that :ns narrowed the table to, so that
// the header always describes the rows below it.
func (a *App) verdictCounts() (int, map[audit.Verdict]int) {
	rep := a.session.report()
	if ns := a.table.f.namespace; ns == "" || a.nsCounts.report != rep || a.nsCounts.namespace != ns {
		return rep.Summary.Workloads, rep.Summary.ByVerdict
	}
	return a.nsCounts.total, a.nsCounts.counts
}

// refreshNSCounts counts the namespace :ns narrowed the table to, when the
// report or the namespace changed since the last count.
func (a *App) refreshNSCounts() {
	ns, rep := a.table.f.namespace, a.session.report()
	if rep == nil || ns == "" || (a.nsCounts.report == rep && a.nsCounts.namespace == ns) {
		return
	}
	c := map[audit.Verdict]int{}
	n := 0
	for i := range rep.Workloads {
		if r := &rep.Workloads[i]; r.Namespace == ns {
			c[r.Verdict]++
			n++
		}
	}
	a.nsCounts = nsCounts{report: rep, namespace: ns, total: n, counts: c}
}

func (a *App) statusLine() string {
	if a.inputMode != inputNone {
		return fitLine(a.input.View(), a.width)
	}
	// The apply question stays on screen over errors and notices: y
	// answers it.
	if a.mode == modeFix && a.fix.stage == fixConfirm {
		return fitLine(a.styles.Stale.Render(a.fix.hint()), a.width)
	}
	if err := a.session.data.err; err != nil {
		return a.withHelpHint(a.styles.Error.Render("error (showing the last data): " + oneLine(err.Error())))
	}
	if a.notice != "" {
		return a.withHelpHint(a.styles.Stale.Render(oneLine(a.notice)))
	}
	var parts []string
	switch a.mode {
	case modeDetail:
		parts = append(parts, "f fix · esc back · ↑/↓ scroll")
	case modeFix:
		parts = append(parts, a.fix.hint())
	case modeNodes:
		parts = append(parts, "nodes · esc back")
	default:
		f := a.table.f
		if f.text != "" {
			parts = append(parts, "/"+f.text)
		}
		if f.typ != "" {
			parts = append(parts, "type:"+string(f.typ))
		}
		if f.minSeverity != "" {
			parts = append(parts, "sev≥"+string(f.minSeverity))
		}
		dir := "↑"
		if f.reverse {
			dir = "↓"
		}
		parts = append(parts, "sort:"+f.sort.String()+dir)
		at, n := a.table.Position()
		parts = append(parts, itoa(at)+"/"+itoa(n))
	}
	parts = append(parts, "? help")
	return fitLine(a.styles.Help.Render(strings.Join(parts, "  ")), a.width)
}

// withHelpHint puts "? help" at the end of a status message, cutting the
// message rather than the hint: a stream of notices (the metrics
// sources', a probe's) must never hide how to get help.
func (a *App) withHelpHint(msg string) string {
	const hint = "  ? help"
	room := a.width - len(hint)
	if room < 10 {
		return fitLine(msg, a.width)
	}
	return fitLine(ansi.Truncate(msg, room, "…"), room) + a.styles.Help.Render(hint)
}

// helpOverlay is generated from the key bindings, with the verdicts
// defined below them.
func (a *App) helpOverlay() string {
	lines := a.helpLines()
	// One width however it is scrolled: the box must not jump.
	w := 0
	for _, l := range lines {
		w = max(w, lipgloss.Width(l))
	}
	for i := range lines {
		lines[i] = fitLine(lines[i], w)
	}
	// Taller than the screen: a window of it, scrolled with ↑/↓, and the
	// last line says there is more.
	footer := "esc or ? closes"
	if fit := a.helpRoom(); len(lines) > fit && fit > 0 {
		off := min(a.helpOffset, len(lines)-fit)
		if off+fit < len(lines) {
			footer = "↓ more    " + footer
		} else {
			footer = "↑ back up    " + footer
		}
		lines = lines[off : off+fit]
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).
		Render(strings.Join(lines, "\n") + "\n" + a.styles.Dim.Render(footer))
	return lipgloss.Place(a.width, a.bodyHeight(), lipgloss.Center, lipgloss.Center, box)
}

// helpRoom is how many lines of help fit in the box: the body less its
// border and footer.
func (a *App) helpRoom() int { return a.bodyHeight() - 3 }

// helpLines are the help's lines: the key bindings in columns side by
// side when they fit (wrapping onto another band when they do not), the
// commands, and the verdicts.
func (a *App) helpLines() []string {
	var cols []string
	for _, group := range a.keys.FullHelp() {
		cols = append(cols, a.help.FullHelpView([][]key.Binding{group}))
	}
	room := a.width - 4 // border and padding
	var bands []string
	for len(cols) > 0 {
		n := 1
		for n < len(cols) && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, spaced(cols[:n+1])...)) <= room {
			n++
		}
		bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, spaced(cols[:n])...))
		cols = cols[n:]
	}
	return strings.Split(a.styles.Header.Render("keys")+"\n\n"+strings.Join(bands, "\n\n")+"\n\n"+
		a.styles.Dim.Render(":ns NAME  :ns all  :nodes  :pods")+"\n\n"+a.verdictLegend(room), "\n")
}

// verdictLegend defines the words the header counts workloads by.
func (a *App) verdictLegend(room int) string {
	var b strings.Builder
	b.WriteString(a.styles.Header.Render("verdicts") + "\n")
	for _, v := range audit.Verdicts() {
		text := lipgloss.NewStyle().Width(max(10, room-12)).Render(v.Meaning())
		b.WriteString(indent(text, pad(v.Words(), 11)+" ", strings.Repeat(" ", 12)) + "\n")
	}
	b.WriteString(lipgloss.NewStyle().Width(room).Render("The group " + groupTitle(groupAttention) + " lists the first two above the type groups."))
	return b.String()
}

// infoOverlay says where the data comes from, how fresh it is, what the
// live figures' sources say, and what this user could not see (RBAC), so
// that an empty or thin table is never mistaken for a clean cluster. On a
// small screen the lists (sources' notes, then what is not visible) are
// cut, with a count of what did not fit.
func (a *App) infoOverlay() string {
	room := max(20, min(a.width-6, 100))
	wrap := func(text string) []string {
		return strings.Split(indent(lipgloss.NewStyle().Width(room-2).Render(oneLine(text)), "", "  "), "\n")
	}
	var head []string
	add := func(label string, texts ...string) {
		head = append(head, a.styles.Header.Render(label))
		for _, t := range texts {
			head = append(head, wrap(t)...)
		}
		head = append(head, "")
	}
	s := &a.session.src
	src := s.scope
	if s.context != "" {
		src = "context " + s.context + ", " + src
	}
	if s.server != "" {
		src += ", server " + s.server
	}
	add("source", src)
	add("data", a.session.dataLine())
	if err := a.session.data.err; err != nil {
		add("error", err.Error()+" (the table shows the last data)")
	}
	rep := a.session.report()
	figures, notes := a.session.figuresInfo()
	add("live figures", figures...)
	var noteLines []string
	for _, n := range notes {
		noteLines = append(noteLines, wrap("• "+n)...)
	}
	var gapLines []string
	switch {
	case rep == nil:
	case len(rep.NotVisible) == 0:
		gapLines = wrap("nothing: every list tiergate needs was allowed")
	default:
		for _, g := range rep.NotVisible {
			gapLines = append(gapLines, wrap("• "+g)...)
		}
	}
	// Border (2), the hint, a blank after the notes, the gaps' title and
	// a blank after them.
	fit := a.bodyHeight() - 2 - 1 - len(head)
	if len(gapLines) > 0 {
		fit -= 3
	}
	// The gaps keep at least three lines; the notes get what is left.
	noteRoom := max(1, fit-min(len(gapLines), 3))
	noteLines = cut(noteLines, noteRoom, "more notes: tiergate audit --metrics prints them all")
	gapLines = cut(gapLines, max(1, fit-len(noteLines)), "more lines: tiergate audit prints them all")
	lines := append(head[:len(head)-1:len(head)-1], noteLines...)
	lines = append(lines, "")
	if len(gapLines) > 0 {
		lines = append(lines, a.styles.Header.Render("not visible"))
		st := a.styles.Stale
		if rep != nil && len(rep.NotVisible) == 0 {
			st = lipgloss.NewStyle()
		}
		for _, g := range gapLines {
			lines = append(lines, st.Render(g))
		}
		lines = append(lines, "")
	}
	lines = append(lines, a.styles.Dim.Render("esc or i closes"))
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(a.width, a.bodyHeight(), lipgloss.Center, lipgloss.Top, box)
}

// cut keeps n lines of ls, the last of them saying how many more there
// are.
func cut(ls []string, n int, more string) []string {
	if len(ls) <= n {
		return ls
	}
	keep := max(0, n-1)
	if keep == 0 {
		more = strings.TrimPrefix(more, "more ")
	}
	return append(ls[:keep:keep], "… "+itoa(len(ls)-keep)+" "+more)
}

// spaced puts a gap after every column but the last.
func spaced(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if i < len(cols)-1 {
			c = lipgloss.NewStyle().PaddingRight(4).Render(c)
		}
		out[i] = c
	}
	return out
}

// oneLine folds a message (errors can span lines) onto one printable line.
func oneLine(s string) string { return textutil.Printable(textutil.OneLine(s)) }

// fit makes a block exactly w×h: lines cut or padded, missing lines added.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = fitLine(lines[i], w)
	}
	return strings.Join(lines, "\n")
}

// fitLine cuts a (styled) line to w cells and pads it.
func fitLine(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := lipgloss.Width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}
