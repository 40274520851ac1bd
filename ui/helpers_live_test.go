package ui

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
)

// liveApp is an app wired like live mode. Its snapshot channel is closed,
// so the "wait for the next snapshot" command returns at once and tests
// hand snapshots over by Update themselves.
func liveApp(t testing.TB, w, h int) *App {
	t.Helper()
	ch := make(chan *cluster.Snapshot)
	close(ch)
	a := New(Config{Context: "kwok-lab", Scope: "all namespaces", Snapshots: ch, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return a
}

// send delivers a snapshot and runs the audit it starts.
func send(a *App, gen uint64, inv *audit.Inventory, err error) {
	_, cmd := a.Update(snapshotMsg{snap: &cluster.Snapshot{Generation: gen, Synced: true, Inventory: inv, Err: err, Time: fixedTime}})
	drive(a, cmd)
}

func selectedName(t *testing.T, a *App) string {
	t.Helper()
	r, ok := a.table.Selected()
	if !ok || r.header {
		t.Fatalf("no workload selected (row %+v)", r)
	}
	return r.res.Name
}

// selectName moves the cursor onto the named workload.
func selectName(t *testing.T, a *App, name string) {
	t.Helper()
	for i, r := range a.table.rows {
		if !r.header && r.res.Name == name {
			a.table.cursor = i
			a.table.clamp()
			return
		}
	}
	t.Fatalf("%s is not in the table", name)
}

func names(a *App) []string { return rowNames(a.table) }

// rowNames are the workloads the table lists, in order.
func rowNames(tb *workloadTable) []string {
	var out []string
	for _, r := range tb.rows {
		if !r.header {
			out = append(out, r.res.Name)
		}
	}
	return out
}

// withPod returns inv with one more pod shaped like workload i.
func withPod(inv *audit.Inventory, i int, name string) *audit.Inventory {
	out := *inv
	w := inv.Workloads[i]
	w.Name, w.UID = name, "uid-"+name
	out.Workloads = append(slices.Clone(inv.Workloads), w)
	return &out
}

// without returns inv without the named pod.
func without(inv *audit.Inventory, name string) *audit.Inventory {
	out := *inv
	out.Workloads = slices.DeleteFunc(slices.Clone(inv.Workloads), func(w audit.Workload) bool { return w.Name == name })
	return &out
}
