package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
)

// App is the root model. It routes messages: the data's to the session,
// the session's news to every view, keys to the focused component (the
// input line or an overlay first, then the global keys, then the view);
// it switches views and lays the chrome around them (chrome.go).
type App struct {
	session *session // what is looked at: the feed, the data, probes, figures
	out     *outbox  // what the session and the components ask of the root
	keys    globalKeys
	chrome  chrome
	focus   viewID
	table   *workloadTable
	detail  *detailView
	nodes   *nodesView
	fix     *fixView
	overlay component // the help or the info overlay, nil when neither is open
	input   *inputLine
	// quitMidApply: ctrl+c came while an apply was in flight
	// (QuitDuringApply tells the command line).
	quitMidApply bool
}

// New builds the app.
func New(cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Context, cfg.Scope = textutil.Printable(cfg.Context), textutil.Printable(cfg.Scope)
	cfg.Server = displayServer(cfg.Server)
	styles := NewStyles()
	out := &outbox{}
	live := cfg.Metrics != nil
	return &App{
		session: newSession(cfg, out), out: out, keys: newGlobalKeys(), chrome: chrome{styles: &styles},
		table:  newWorkloadTable(&styles, out, live),
		detail: newDetailView(&styles, out, live),
		nodes:  newNodesView(&styles, out),
		fix:    newFixView(&styles, out, fixDeps{engine: cfg.Engine, now: cfg.Now}),
		input:  newInputLine(out, cfg.Contexts),
	}
}

// Init starts listening for data, or connecting.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{a.session.Init(), a.input.Init()}
	for _, v := range a.views() {
		cmds = append(cmds, v.Init())
	}
	a.refresh() // "connecting…" from the first frame
	return tea.Batch(cmds...)
}

// ConnectError is why the view never reached the cluster, if it did not:
// the command line reports it after the view closes.
func (a *App) ConnectError() error { return a.session.connectError() }

// QuitDuringApply reports whether the user quit while a fix was being
// applied: some objects may have changed, and the command line says so.
func (a *App) QuitDuringApply() bool { return a.quitMidApply }

// Update routes a message, then what it made the session and the
// components ask for, before the next message.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmds := []tea.Cmd{a.route(msg)}
	for len(a.out.msgs) > 0 {
		for _, m := range a.out.take() {
			cmds = append(cmds, a.route(m))
		}
	}
	a.refresh()
	return a, tea.Batch(cmds...)
}

func (a *App) route(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		a.resize(m.Width, m.Height)
	case tea.KeyPressMsg:
		return a.onKey(m)
	case tea.MouseWheelMsg:
		return a.current().Update(m)

	// The data's commands answer the session; the fix's the fix view.
	case snapshotMsg, auditedMsg, sourceClosedMsg, feedOpenedMsg, reconnectMsg, metricsMsg, metricsTickMsg, probedMsg,
		memberOpenedMsg, memberSnapshotMsg, fleetAuditedMsg:
		return a.session.Update(msg)
	case fixComputedMsg, dryRunMsg, appliedMsg:
		return a.fix.Update(msg)

	// The session's news goes to every view.
	case feedSwitchedMsg:
		a.chrome.notice = ""
		if a.focus == viewDetail {
			a.show(viewTable)
		}
		return a.broadcast(msg)
	case reportMsg:
		a.input.SetNamespaces(m.namespaces)
		return a.broadcast(msg)
	case figuresMsg, probeErrorMsg:
		return a.broadcast(msg)

	// What the components ask for.
	case noticeMsg:
		a.chrome.notice = m.text
	case showViewMsg:
		a.show(m.view)
	case openDetailMsg:
		a.detail.Show(m.res)
		a.show(viewDetail)
	case probeRequestMsg:
		return a.session.startProbe(m.res)
	case probeManyMsg:
		return a.session.startProbes(m.res)
	case fixRequestMsg:
		return a.startFix(m.res)
	case openInputMsg:
		return a.input.Open(m.mode, m.value)
	case filterTextMsg:
		a.table.SetFilterText(m.text)
	case commandMsg:
		return a.runCommand(m.line)
	case closeOverlayMsg:
		a.overlay = nil
	}
	return nil
}

// onKey: ctrl+c quits from anywhere; an open input line takes every other
// key; while the server works on a fix the view stays put; an overlay
// takes the keys but q; then the global keys; then the focused view.
func (a *App) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.keys
	if key.Matches(msg, k.Interrupt) {
		a.quitMidApply = a.focus == viewFix && a.fix.Applying()
		return tea.Quit
	}
	if a.input.Active() {
		return a.input.Update(msg)
	}
	a.chrome.notice = ""
	if a.focus == viewFix && a.fix.Busy() {
		a.chrome.notice = "waiting for the server (ctrl+c quits)"
		return nil
	}
	if a.overlay != nil {
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return a.overlay.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.openHelp()
		return nil
	case key.Matches(msg, k.Info):
		a.openOverlay(newInfoView(a.chrome.styles, a.out))
		return nil
	case key.Matches(msg, k.Command):
		return a.input.Open(inputCommand, "")
	}
	return a.current().Update(msg)
}

// views are the views the root switches between, by viewID.
func (a *App) views() [4]view { return [4]view{a.table, a.detail, a.nodes, a.fix} }

// current is the focused view.
func (a *App) current() view { return a.views()[a.focus] }

// show switches views. Leaving the detail view (other than for its fix)
// stops it following its workload across refreshes.
func (a *App) show(v viewID) {
	if v != viewDetail && v != viewFix {
		a.detail.Close()
	}
	a.focus = v
}

// broadcast gives every view the session's news.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, v := range a.views() {
		cmds = append(cmds, v.Update(msg))
	}
	return tea.Batch(cmds...)
}

// startFix computes the fix of the workload in the detail view, on the
// data on screen.
func (a *App) startFix(r *audit.Result) tea.Cmd {
	inv, rep := a.session.audited(r)
	if rep == nil {
		return nil
	}
	cmd, ok := a.fix.Start(r, inv, rep, a.session.toolsFor(r))
	if ok {
		a.focus = viewFix
	}
	return cmd
}

// openHelp shows the focused view's keys and the global ones.
func (a *App) openHelp() {
	a.openOverlay(newHelpView(a.chrome.styles, a.out, append(a.current().KeyMap().FullHelp(), a.keys.FullHelp()...)))
}

func (a *App) openOverlay(c component) {
	c.SetSize(a.chrome.width, a.chrome.bodyHeight())
	a.overlay = c
}

func (a *App) resize(w, h int) {
	a.chrome.width, a.chrome.height = w, h
	body := a.chrome.bodyHeight()
	for _, v := range a.views() {
		v.SetSize(w, body)
	}
	if a.overlay != nil {
		a.overlay.SetSize(w, body)
	}
	a.input.SetSize(w, 1)
}

// refresh gives the views and the chrome what follows from the session
// after a message: the header's counts, what an empty view says, and the
// info overlay's facts. View only reads them.
func (a *App) refresh() {
	a.chrome.count(a.session.report(), a.table.Namespace())
	text, waiting := a.session.emptyReason()
	a.table.SetPlaceholder(text, waiting)
	a.nodes.SetPlaceholder(text)
	if info, ok := a.overlay.(*infoView); ok {
		info.Set(a.session.describe())
	}
}
