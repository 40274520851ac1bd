package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
)

func TestSyncingUntilTheCachesSync(t *testing.T) {
	a := liveApp(t, 100, 20)
	if s := screen(a); !strings.Contains(s, "syncing…") || strings.Contains(s, "no pod-bearing") {
		t.Fatalf("before any snapshot the app must say syncing:\n%s", s)
	}
	_, cmd := a.Update(snapshotMsg{snap: &cluster.Snapshot{Generation: 1, Synced: false, Inventory: &audit.Inventory{}, Time: fixedTime}})
	drive(a, cmd)
	if s := screen(a); !strings.Contains(s, "syncing…") || strings.Contains(s, "no pod-bearing") {
		t.Fatalf("an unsynced snapshot must still say syncing:\n%s", s)
	}
	send(a, 2, &audit.Inventory{}, nil)
	if s := screen(a); strings.Contains(s, "syncing") || !strings.Contains(s, "no pod-bearing workloads in scope (all namespaces)") {
		t.Fatalf("a synced empty cluster must say so:\n%s", s)
	}
}

func TestStaleAuditIsDropped(t *testing.T) {
	a := liveApp(t, 120, 30)
	e := newEngine(t)
	newer := e.Audit(synth.Cluster(30, false), audit.Options{Now: fixedTime})
	older := e.Audit(synth.Cluster(10, false), audit.Options{Now: fixedTime})
	a.Update(auditedMsg{gen: 5, rep: newer})
	a.Update(auditedMsg{gen: 4, rep: older})
	if _, n := a.table.Position(); n != 30 {
		t.Fatalf("showing %d workloads: the audit of generation 4 replaced generation 5", n)
	}
	if !strings.Contains(screen(a), "30 workloads") {
		t.Fatalf("header does not count generation 5:\n%s", screen(a))
	}
}

func TestOneAuditAtATimeAndOnlyTheNewestWaits(t *testing.T) {
	a := liveApp(t, 120, 30)
	snap := func(gen uint64, n int) snapshotMsg {
		return snapshotMsg{snap: &cluster.Snapshot{Generation: gen, Synced: true, Inventory: synth.Cluster(n, false), Time: fixedTime}}
	}
	_, first := a.Update(snap(1, 10))
	// Two more snapshots arrive while the first audit runs: no new audit
	// starts, and only the newest is kept.
	for _, m := range []snapshotMsg{snap(2, 20), snap(3, 30)} {
		_, cmd := a.Update(m)
		if countAudits(cmd) != 0 {
			t.Fatalf("generation %d started a second audit while one runs", m.snap.Generation)
		}
	}
	if countAudits(first) != 1 {
		t.Fatal("the first snapshot did not start an audit")
	}
	drive(a, first) // audits 1, then the pending 3
	if a.session.data.gen != 3 {
		t.Fatalf("shown generation %d, want 3", a.session.data.gen)
	}
	if _, n := a.table.Position(); n != 30 {
		t.Fatalf("%d workloads, want 30", n)
	}
}

// countAudits counts the audit commands in cmd without running them
// (running one would block on nothing, but would do the work).
func countAudits(cmd tea.Cmd) int {
	if cmd == nil {
		return 0
	}
	switch m := cmd().(type) {
	case tea.BatchMsg:
		n := 0
		for _, c := range m {
			n += countAudits(c)
		}
		return n
	case auditedMsg:
		return 1
	}
	return 0
}

func TestErrorsKeepTheLastDataMarkedStale(t *testing.T) {
	inv := synth.Cluster(40, false)
	a := liveApp(t, 120, 30)
	send(a, 1, inv, nil)
	// The source keeps publishing its last data, with the error, later.
	later := fixedTime.Add(5 * time.Minute)
	_, cmd := a.Update(snapshotMsg{snap: &cluster.Snapshot{Generation: 2, Synced: true, Inventory: inv, Time: later,
		Err: errors.New("pods: watch: Get \"https://127.0.0.1:6443/api/v1/pods\":\nconnect: connection refused")}})
	drive(a, cmd)
	s := screen(a)
	for _, want := range []string{"STALE since 10:00:00", "error (showing the last data): pods: watch", "connect: connection", "40 workloads"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	if len(strings.Split(s, "\n")) != 30 {
		t.Fatal("a multi-line error broke the layout")
	}
	send(a, 3, inv, nil)
	if s := screen(a); strings.Contains(s, "STALE") || strings.Contains(s, "error:") {
		t.Fatalf("recovery did not clear the error:\n%s", s)
	}
}

func TestDetailFollowsItsPod(t *testing.T) {
	inv := synth.Cluster(50, false)
	a := liveApp(t, 120, 40)
	send(a, 1, inv, nil)
	name := inv.Workloads[5].Name
	selectName(t, a, name)
	press(a, "enter")
	if a.focus != viewDetail || !strings.Contains(screen(a), name) {
		t.Fatalf("enter did not open %s:\n%s", name, screen(a))
	}

	// Other pods coming and going leave the detail on its pod.
	send(a, 2, withPod(inv, 5, "aaa-first"), nil)
	if s := screen(a); !strings.Contains(s, name) || strings.Contains(s, "deleted") {
		t.Fatalf("detail lost its pod after an unrelated change:\n%s", s)
	}

	// Its own deletion is shown, not replaced by a neighbour.
	send(a, 3, without(inv, name), nil)
	if s := screen(a); !strings.Contains(s, name) || !strings.Contains(s, "deleted: this is its last known state") {
		t.Fatalf("deleted pod not marked:\n%s", s)
	}
	press(a, "esc")
	if a.focus != viewTable {
		t.Fatal("esc did not go back to the table")
	}
}
