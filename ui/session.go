package ui

import (
	"maps"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
)

// session is what is being looked at, apart from how it is drawn: the
// source and its feed, the snapshot and audit on screen, the session's
// kernel probes and the live figures. The rules that drop stale results
// live here: a snapshot of a feed left behind (epoch), an audit of an
// older generation or with older probes, a :ns answer a later request
// superseded, figures of a feed left behind.
//
// It draws nothing and knows no view: what changed goes out as messages
// (reportMsg, figuresMsg, feedSwitchedMsg, probeErrorMsg, noticeMsg) that
// the root hands to the views in the same Update.
type session struct {
	engine *audit.Engine
	now    func() time.Time
	src    source
	// tools act on the cluster on screen; in the fleet (:ctx all) each
	// member has its own.
	tools   Tools
	fleet   *fleetState // nil: one cluster
	data    dataState
	probes  probeState
	figures figureState
	out     *outbox
}

// dataState is the snapshot and audit on screen. gen is the generation
// shown and rev the probe revision its audit included: an audit of an
// older generation, or of the same one with older probes, is dropped. At
// most one audit runs, so that a burst of snapshots costs one audit and
// not one each: the newest snapshot that arrives meanwhile waits in
// pending.
type dataState struct {
	synced   bool
	err      error
	at       time.Time // of the snapshot on screen
	freshAt  time.Time // of the last one shown that came without an error
	report   *audit.Report
	inv      *audit.Inventory  // the audited snapshot's, for fixes and figures
	snap     *cluster.Snapshot // the snapshot on screen, audited again when a probe lands
	gen, rev uint64
	took     time.Duration // how long the shown audit took
	auditing bool
	pending  *cluster.Snapshot
	reaudit  bool // a probe landed while an audit without it ran
}

func newSession(cfg Config, out *outbox) *session {
	return &session{
		engine: cfg.Engine, now: cfg.Now, out: out,
		src: source{
			context: cfg.Context, server: cfg.Server, scope: cfg.Scope, namespace: cfg.Namespace,
			static: cfg.Static, snapshots: cfg.Snapshots, open: cfg.Open, stop: cfg.StopFeed,
			contexts: cfg.Contexts, openContext: cfg.OpenContext, fleetNames: cfg.Fleet,
		},
		tools:   cfg.tools(),
		figures: figureState{read: cfg.Metrics, interval: cfg.MetricsInterval},
	}
}

// Init starts listening for data, or connecting: a live view without a
// feed yet opens its first one off the UI goroutine, so that the header
// and "connecting…" are on screen at once however long the server takes.
func (s *session) Init() tea.Cmd {
	switch {
	case len(s.src.fleetNames) > 0 && s.src.openContext != nil:
		return s.openFleet(s.src.fleetNames)
	case s.src.static != nil:
		snap := s.src.static
		return func() tea.Msg { return snapshotMsg{snap: snap} }
	case s.src.snapshots != nil:
		return waitSnapshot(s.src.snapshots, s.src.epoch)
	case s.src.open != nil:
		s.src.connecting = true
		s.src.openSeq++
		return openFeedCmd(s.src.open, s.src.namespace, s.src.openSeq)
	}
	return nil
}

// Update takes the messages of the data's commands: snapshots, audits,
// feeds, figures and probes.
func (s *session) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case snapshotMsg:
		if m.epoch != s.src.epoch {
			return nil // from the feed before a namespace switch
		}
		return s.onSnapshot(m.snap)
	case auditedMsg:
		return s.onAudited(m)
	case feedOpenedMsg:
		return s.onFeedOpened(m)
	case reconnectMsg:
		return s.onReconnect(m)
	case metricsMsg:
		return s.onFigures(m)
	case metricsTickMsg:
		s.figures.ticking = false
		return s.readFigures()
	case probedMsg:
		return s.onProbed(m)
	case memberOpenedMsg:
		return s.onMemberOpened(m)
	case memberSnapshotMsg:
		return s.onMemberSnapshot(m)
	case fleetAuditedMsg:
		return s.onFleetAudited(m)
	}
	return nil // sourceClosedMsg: the data on screen stays
}

func (s *session) onSnapshot(snap *cluster.Snapshot) tea.Cmd {
	var cmds []tea.Cmd
	if s.src.snapshots != nil {
		cmds = append(cmds, waitSnapshot(s.src.snapshots, s.src.epoch))
	}
	s.data.synced, s.data.err = snap.Synced, snap.Err
	if !snap.Synced || snap.Generation <= s.data.gen {
		return tea.Batch(cmds...)
	}
	if s.data.auditing {
		s.data.pending = snap
		return tea.Batch(cmds...)
	}
	return tea.Batch(append(cmds, s.startAudit(snap))...)
}

// startAudit audits a snapshot with the probes known so far.
func (s *session) startAudit(snap *cluster.Snapshot) tea.Cmd {
	s.data.auditing = true
	return auditSnapshot(s.engine, snap, maps.Clone(s.probes.byUID), s.probes.rev, s.src.epoch, s.now())
}

func (s *session) onAudited(m auditedMsg) tea.Cmd {
	d := &s.data
	d.auditing = false
	if m.epoch == s.src.epoch && (m.gen > d.gen || m.gen == d.gen && m.probeRev > d.rev) {
		d.gen, d.rev, d.snap = m.gen, m.probeRev, m.snap
		d.took, d.at = m.took, m.at
		if m.fresh {
			d.freshAt = m.at
		}
		d.report, d.inv = m.rep, m.inv
		if m.entries == nil {
			m.entries = newEntries(m.rep.Workloads)
		}
		s.out.send(reportMsg{rep: m.rep, entries: m.entries, namespaces: namespaceNames(m.inv, m.rep)})
	}
	// The next audit includes every probe so far.
	next := d.pending
	if next == nil && d.reaudit && m.epoch == s.src.epoch {
		next = d.snap
	}
	d.pending, d.reaudit = nil, false
	if next != nil {
		return tea.Batch(s.startAudit(next), s.readFigures())
	}
	return s.readFigures()
}

// report is the audit on screen, nil until the first one.
func (s *session) report() *audit.Report { return s.data.report }

// audited is the inventory and report r comes from, for its fix: in the
// fleet, its own cluster's.
func (s *session) audited(r *audit.Result) (*audit.Inventory, *audit.Report) {
	if m := s.fleet.member(r.Cluster); m != nil {
		return m.inv, m.rep
	}
	return s.data.inv, s.data.report
}

// toolsFor are the tools of r's cluster.
func (s *session) toolsFor(r *audit.Result) Tools {
	if s.fleet != nil {
		if m := s.fleet.member(r.Cluster); m != nil {
			return m.tools
		}
		return Tools{}
	}
	return s.tools
}

// headerState is the data's state in a word or two for the header, and
// whether it is bad news.
func (s *session) headerState() (state string, bad bool) {
	if s.fleet != nil {
		return s.fleet.state()
	}
	d := &s.data
	bad = d.err != nil || s.src.connectErr != nil
	switch {
	case s.src.connecting && s.src.connectErr != nil:
		return "NOT CONNECTED", bad
	case s.src.connecting:
		return "connecting…", bad
	case d.err != nil && !d.freshAt.IsZero():
		return "STALE since " + d.freshAt.Format("15:04:05"), bad
	case d.err != nil:
		return "STALE", bad
	case d.synced && d.report != nil:
		return "synced " + d.at.Format("15:04:05"), bad
	case d.auditing:
		return "auditing…", bad
	}
	return "syncing…", bad
}

// emptyReason is what an empty table or nodes view says: connecting, its
// error or syncing (waiting), or that the scope holds nothing.
func (s *session) emptyReason() (text string, waiting bool) {
	if s.fleet != nil {
		return s.fleet.emptyReason(s.src.scope, s.data.report)
	}
	switch {
	case s.src.connecting && s.src.connectErr != nil:
		return "cannot connect: " + oneLine(s.src.connectErr.Error()) + " — trying again every " + reconnectDelay.String() + " (q quits)", true
	case s.src.connecting:
		return "connecting to " + textutil.OrDash(s.src.server) + "…", true
	case !s.data.synced || s.data.report == nil:
		return "syncing… listing pods, nodes, RuntimeClasses and policies", true
	}
	return "no pod-bearing workloads in scope (" + s.src.scope + ")", false
}

// dataLine says which snapshot is on screen, for the info overlay.
func (s *session) dataLine() string {
	switch {
	case s.fleet != nil && s.data.report != nil:
		return itoa(len(s.fleet.members)) + " contexts merged at " + s.data.at.Format("15:04:05") + ", audited in " + s.data.took.Round(time.Millisecond).String()
	case s.fleet != nil:
		return "no cluster has synced yet"
	case s.src.connecting:
		return "not connected yet"
	case s.data.report == nil:
		return "syncing: the first audit has not finished"
	}
	return "snapshot " + itoa(int(s.data.gen)) + " from " + s.data.at.Format("15:04:05") + ", audited in " + s.data.took.Round(time.Millisecond).String()
}

// namespaceNames are the namespaces of an audited snapshot: those listed
// (live, when the user may list them) and those its workloads are in.
func namespaceNames(inv *audit.Inventory, rep *audit.Report) []string {
	set := map[string]bool{}
	if inv != nil {
		for _, ns := range inv.Namespaces {
			set[ns.Name] = true
		}
	}
	for i := range rep.Workloads {
		set[rep.Workloads[i].Namespace] = true
	}
	delete(set, "")
	return slices.Sorted(maps.Keys(set))
}
