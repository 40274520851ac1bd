package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
)

// snapshotMsg carries a new snapshot of the cluster (or of the files).
// epoch says which feed it came from: after a namespace switch, what the
// old feed still delivers is dropped.
type snapshotMsg struct {
	snap  *cluster.Snapshot
	epoch uint64
}

// reconnectMsg says it is time to try the first connection again.
type reconnectMsg struct{ seq uint64 }

// sourceClosedMsg says a feed's snapshot stream ended (it stopped).
type sourceClosedMsg struct{ epoch uint64 }

// feedOpenedMsg carries the feed for another namespace, or why it could
// not be opened.
type feedOpenedMsg struct {
	seq       uint64 // which :ns or :ctx request; only the latest one counts
	namespace string
	context   string // the context a :ctx asked for ("" for :ns)
	feed      *Feed
	err       error
}

// auditedMsg carries the audit of one snapshot generation, with the
// table's sort and filter keys already derived from it.
type auditedMsg struct {
	gen   uint64
	epoch uint64    // the feed the snapshot came from
	at    time.Time // the snapshot's time
	fresh bool      // the snapshot came without an error
	rep   *audit.Report
	inv   *audit.Inventory // what was audited, for fixes
	// entries are the table's sort and filter keys, derived in the
	// command: at 50,000 pods that is tens of milliseconds kept off the
	// UI goroutine. nil: derive them on receipt.
	entries []entry
	took    time.Duration
	// snap is the audited snapshot, audited again when a probe lands;
	// probeRev is the count of probe results the audit included.
	snap     *cluster.Snapshot
	probeRev uint64
}

// waitSnapshot waits for the next snapshot. The channel is captured when
// the command is made; the command never reads the model.
func waitSnapshot(ch <-chan *cluster.Snapshot, epoch uint64) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return sourceClosedMsg{epoch}
		}
		return snapshotMsg{snap: s, epoch: epoch}
	}
}

// openFeedCmd opens a feed for another namespace ("" for all). Opening
// checks access and discovery on the server, so it runs off the UI
// goroutine; open is captured when the command is made.
func openFeedCmd(open func(namespace string) (*Feed, error), namespace string, seq uint64) tea.Cmd {
	return func() tea.Msg {
		f, err := open(namespace)
		return feedOpenedMsg{seq: seq, namespace: namespace, feed: f, err: err}
	}
}

// stopFeedCmd stops a feed that is no longer shown. Stopping waits for
// its informers, so it too runs off the UI goroutine.
func stopFeedCmd(stop func()) tea.Cmd {
	return func() tea.Msg {
		stop()
		return nil
	}
}

// auditSnapshot audits one snapshot off the UI goroutine, with the
// session's kernel probes (a copy, made when the command is). Nothing in
// it reads the model: everything is captured when the command is made.
func auditSnapshot(e *audit.Engine, snap *cluster.Snapshot, probes map[string]audit.Probed, probeRev, epoch uint64, now time.Time) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		inv := snap.Inventory
		if len(probes) > 0 {
			withProbes := *inv // the snapshot's inventory is shared: never change it
			withProbes.Probes = probes
			inv = &withProbes
		}
		rep := e.Audit(inv, audit.Options{Now: now})
		return auditedMsg{gen: snap.Generation, epoch: epoch, at: snap.Time, fresh: snap.Err == nil, rep: rep, inv: inv,
			entries: newEntries(rep.Workloads), took: time.Since(start), snap: snap, probeRev: probeRev}
	}
}
