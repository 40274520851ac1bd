package ui

import (
	"maps"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
)

// fleetState is the fleet on screen (:ctx all, --contexts): one member
// per context, each with its own feed and tools, audited apart (each
// cluster's RuntimeClasses, nodes and policies decide its workloads) and
// merged into one report whose rows carry their cluster. A member that
// cannot be opened is said, and never holds the others up.
type fleetState struct {
	members []*member
	// At most one fleet audit runs; what arrives meanwhile sets pending.
	auditing, pending bool
}

// member is one context of the fleet.
type member struct {
	context, server string
	scope           string // "namespace rag": without -n or -A each context's own
	tools           Tools
	snapshots       <-chan *cluster.Snapshot
	stop            func()
	opening         bool
	err             error // why it could not be opened: unreachable
	synced          bool
	syncErr         error             // the newest snapshot's error: the data is stale
	snap            *cluster.Snapshot // the newest synced snapshot
	// The last audit of it: its generation and probe revision, the
	// inventory (fixes read it) and the report.
	gen, rev uint64
	inv      *audit.Inventory
	rep      *audit.Report
}

// member is the fleet's member for a context, nil when there is none
// (or no fleet).
func (f *fleetState) member(context string) *member {
	if f == nil {
		return nil
	}
	for _, m := range f.members {
		if m.context == context {
			return m
		}
	}
	return nil
}

// memberOpenedMsg carries a fleet member's feed, or why it could not be
// opened.
type memberOpenedMsg struct {
	epoch uint64
	index int
	feed  *Feed
	err   error
}

// memberSnapshotMsg carries a fleet member's snapshot (closed: its feed
// ended).
type memberSnapshotMsg struct {
	epoch  uint64
	index  int
	snap   *cluster.Snapshot
	closed bool
}

// fleetAuditedMsg carries the members' audits and their merge.
type fleetAuditedMsg struct {
	epoch   uint64
	parts   []fleetPart
	merged  *audit.Report
	entries []entry
	took    time.Duration
	at      time.Time
}

// fleetPart is one member's audit as of a generation and probe revision.
type fleetPart struct {
	index    int
	gen, rev uint64
	inv      *audit.Inventory
	rep      *audit.Report
}

// openFleet leaves what is on screen and opens every context at once
// (the command line bounds how many connect together).
func (s *session) openFleet(names []string) tea.Cmd {
	if len(names) == 0 {
		s.out.send(noticeMsg{text: "the kubeconfig has no context"})
		return nil
	}
	cmds := s.leave()
	s.src.epoch++
	s.src.openSeq++ // a :ctx or :ns still pending is superseded
	s.src.connecting, s.src.connectErr = false, nil
	s.fleet = &fleetState{members: make([]*member, len(names))}
	s.data = dataState{auditing: s.data.auditing}
	s.figures.read, s.figures.reading = nil, figureReading{}
	s.out.send(feedSwitchedMsg{}) // the header and the table say the rest
	for i, name := range names {
		s.fleet.members[i] = &member{context: name, opening: true}
		cmds = append(cmds, openMemberCmd(s.src.openContext, name, i, s.src.epoch))
	}
	return tea.Batch(cmds...)
}

func openMemberCmd(open func(string) (*Feed, error), name string, index int, epoch uint64) tea.Cmd {
	return func() tea.Msg {
		f, err := open(name)
		return memberOpenedMsg{epoch: epoch, index: index, feed: f, err: err}
	}
}

func waitMember(ch <-chan *cluster.Snapshot, epoch uint64, index int) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		return memberSnapshotMsg{epoch: epoch, index: index, snap: s, closed: !ok}
	}
}

func (s *session) onMemberOpened(m memberOpenedMsg) tea.Cmd {
	if m.epoch != s.src.epoch || s.fleet == nil {
		if m.feed != nil {
			return stopFeedCmd(m.feed.Stop)
		}
		return nil
	}
	mem := s.fleet.members[m.index]
	mem.opening = false
	if m.err != nil {
		mem.err = m.err
		return s.fleetAudit() // the merge names it unreachable
	}
	mem.snapshots, mem.stop, mem.server, mem.scope = m.feed.Snapshots, m.feed.Stop, displayServer(m.feed.Server), textutil.Printable(m.feed.Scope)
	s.src.scope = s.fleet.scope()
	if m.feed.Tools != nil {
		mem.tools = *m.feed.Tools
	}
	return waitMember(mem.snapshots, m.epoch, m.index)
}

func (s *session) onMemberSnapshot(m memberSnapshotMsg) tea.Cmd {
	if m.epoch != s.src.epoch || s.fleet == nil || m.closed {
		return nil
	}
	mem := s.fleet.members[m.index]
	cmds := []tea.Cmd{waitMember(mem.snapshots, m.epoch, m.index)}
	mem.synced, mem.syncErr = mem.synced || m.snap.Synced, m.snap.Err
	if m.snap.Synced && (mem.snap == nil || m.snap.Generation > mem.snap.Generation) {
		mem.snap = m.snap
		cmds = append(cmds, s.fleetAudit())
	}
	return tea.Batch(cmds...)
}

// memberJob is what a fleet audit reads of one member, captured when the
// command is made.
type memberJob struct {
	context, server string
	err             error
	snap            *cluster.Snapshot
	last            fleetPart // the member's last audit, kept if still current
}

// fleetAudit audits the members whose snapshot or probes changed since
// their last audit, off the UI goroutine, and merges them all.
func (s *session) fleetAudit() tea.Cmd {
	f := s.fleet
	if f.auditing {
		f.pending = true
		return nil
	}
	f.auditing = true
	jobs := make([]memberJob, len(f.members))
	for i, m := range f.members {
		jobs[i] = memberJob{context: m.context, server: m.server, err: m.err, snap: m.snap,
			last: fleetPart{index: i, gen: m.gen, rev: m.rev, inv: m.inv, rep: m.rep}}
	}
	return auditFleet(s.engine, jobs, maps.Clone(s.probes.byUID), s.probes.rev, s.src.epoch, s.now())
}

func auditFleet(e *audit.Engine, jobs []memberJob, probes map[string]audit.Probed, rev, epoch uint64, now time.Time) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		msg := fleetAuditedMsg{epoch: epoch}
		for _, j := range jobs {
			part := j.last
			if j.snap != nil && (part.rep == nil || part.gen != j.snap.Generation || part.rev != rev) {
				inv := j.snap.Inventory
				if len(probes) > 0 {
					withProbes := *inv // shared with the feed: never changed
					withProbes.Probes = probes
					inv = &withProbes
				}
				rep := e.Audit(inv, audit.Options{Now: now})
				for i := range rep.Workloads {
					rep.Workloads[i].Cluster = j.context
				}
				part = fleetPart{index: part.index, gen: j.snap.Generation, rev: rev, inv: inv, rep: rep}
			}
			if j.snap != nil && j.snap.Time.After(msg.at) {
				msg.at = j.snap.Time
			}
			msg.parts = append(msg.parts, part)
		}
		msg.merged = mergeMembers(jobs, msg.parts)
		msg.entries = newEntries(msg.merged.Workloads)
		msg.took = time.Since(start)
		return msg
	}
}

// mergeMembers makes one report of the members' audits: their workloads
// in the contexts' order, a summary over all, and each cluster's line
// (its own summary, or why it could not be read). What RBAC hid is named
// with its cluster.
func mergeMembers(jobs []memberJob, parts []fleetPart) *audit.Report {
	out := &audit.Report{Workloads: []audit.Result{}, Clusters: make([]audit.ClusterReport, len(jobs))}
	for i, j := range jobs {
		cr := audit.ClusterReport{Context: j.context, Server: j.server}
		switch rep := parts[i].rep; {
		case j.err != nil:
			cr.Error = textutil.OneLine(j.err.Error())
		case rep != nil:
			sum := rep.Summary
			cr.Summary, cr.NotVisible = &sum, rep.NotVisible
			out.Workloads = append(out.Workloads, rep.Workloads...)
			for _, g := range rep.NotVisible {
				out.NotVisible = append(out.NotVisible, j.context+": "+g)
			}
		}
		out.Clusters[i] = cr
	}
	out.Summary = audit.Summarize(out.Workloads)
	return out
}

func (s *session) onFleetAudited(m fleetAuditedMsg) tea.Cmd {
	f := s.fleet
	if m.epoch != s.src.epoch || f == nil {
		return nil // a fleet left behind; s.fleet is another's
	}
	f.auditing = false
	for _, p := range m.parts {
		mem := f.members[p.index]
		mem.gen, mem.rev, mem.inv, mem.rep = p.gen, p.rev, p.inv, p.rep
	}
	d := &s.data
	d.gen++
	d.report, d.took, d.at, d.synced = m.merged, m.took, m.at, true
	var nss []string
	for _, mem := range f.members {
		if mem.rep != nil {
			nss = append(nss, namespaceNames(mem.inv, mem.rep)...)
		}
	}
	s.out.send(reportMsg{rep: m.merged, entries: m.entries, namespaces: slices.Compact(slices.Sorted(slices.Values(nss)))})
	if f.pending {
		f.pending = false
		return s.fleetAudit()
	}
	return nil
}

// state is the fleet's state for the header: how many members synced,
// still sync and could not be reached (the reasons are under i).
func (f *fleetState) state() (string, bool) {
	synced, waiting, down, stale := 0, 0, 0, 0
	for _, m := range f.members {
		switch {
		case m.err != nil:
			down++
		case m.syncErr != nil:
			stale++
		case m.rep != nil:
			synced++
		default:
			waiting++
		}
	}
	parts := []string{itoa(synced) + " synced"}
	if waiting > 0 {
		parts = append(parts, itoa(waiting)+" syncing…")
	}
	if stale > 0 {
		parts = append(parts, itoa(stale)+" stale")
	}
	if down > 0 {
		parts = append(parts, itoa(down)+" unreachable (i)")
	}
	return strings.Join(parts, " · "), down+stale > 0
}

// emptyReason is what the empty table says of the fleet.
func (f *fleetState) emptyReason(scope string, rep *audit.Report) (string, bool) {
	waiting, down := 0, 0
	for _, m := range f.members {
		switch {
		case m.err != nil:
			down++
		case m.rep == nil:
			waiting++
		}
	}
	switch {
	case waiting > 0 && (rep == nil || len(rep.Workloads) == 0):
		return "opening " + itoa(len(f.members)) + " contexts… the table fills as each syncs", true
	case down == len(f.members):
		return "no context could be reached (i says why for each)", false
	}
	return "no pod-bearing workloads in scope (" + scope + ") in " + itoa(len(f.members)-down) + " reachable contexts", false
}

// lines say each member's state, for the info overlay.
func (f *fleetState) lines() []string {
	out := make([]string, 0, len(f.members))
	for _, m := range f.members {
		line := m.context + ": "
		switch {
		case m.err != nil:
			line += "unreachable: " + oneLine(m.err.Error())
		case m.opening:
			line += "connecting…"
		case m.syncErr != nil:
			line += "STALE: " + oneLine(m.syncErr.Error())
		case m.rep != nil:
			line += "synced, " + itoa(m.rep.Summary.Workloads) + " workloads"
		default:
			line += "syncing…"
		}
		if m.server != "" {
			line += " (" + m.server + ")"
		}
		out = append(out, line)
	}
	return out
}

// scope is the fleet's scope for the header: the members' when they
// share one, else each context's own namespace.
func (f *fleetState) scope() string {
	scope := ""
	for _, m := range f.members {
		switch {
		case m.scope == "":
		case scope == "":
			scope = m.scope
		case m.scope != scope:
			return "each context's namespace"
		}
	}
	return scope
}
