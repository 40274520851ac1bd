package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
)

// treeApp is the app over ui/testdata/tree.yaml: a LeaderWorkerSet with
// pods (one of them privileged), an idle Sandbox, a Deployment's pod.
func treeApp(t *testing.T, w, h int) *App {
	t.Helper()
	a := New(Config{Scope: "files testdata/tree.yaml", Static: fileSnapshot(t, "testdata/tree.yaml"), Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(a, a.Init())
	return a
}

// treeRows are the table's rows as "name" with their tree mark, headers
// as "# GROUP".
func treeRows(tb *workloadTable) []string {
	var out []string
	for _, r := range tb.rows {
		if r.header {
			out = append(out, "# "+groupTitle(r.group))
			continue
		}
		out = append(out, r.tree.prefix()+r.res.Name)
	}
	return out
}

// TestCustomResourceTree: a custom resource is a row of its own with its
// pods under it; space folds and unfolds them (from a pod too); a filter
// matching one pod keeps its resource; a sort moves the resource with its
// pods; a pod needing a look more than its resource stands alone.
func TestCustomResourceTree(t *testing.T) {
	a := treeApp(t, 120, 30)
	tb := a.table
	want := "# CRITICAL OR BELOW TIER|idle|llama-1|# INFERENCE|▾ llama|└ llama-0|└ llama-0-1|# OTHER|web-5d-x"
	if got := strings.Join(treeRows(tb), "|"); got != want {
		t.Fatalf("rows\n %s\nwant\n %s", got, want)
	}
	if s := screen(a); !strings.Contains(s, "▾ serving/lws/llama") || !strings.Contains(s, "└ serving/llama-0 ") || !strings.Contains(s, "3 pods") {
		t.Fatalf("tree not drawn:\n%s", s)
	}
	// The header counts as the summary does: the set through its pods,
	// in all namespaces and in :ns alike.
	for _, ns := range []string{"", "serving"} {
		tb.SetNamespace(ns)
		a.chrome.count(a.session.report(), ns)
		if s := screen(a); !strings.Contains(s, "5 workloads:") {
			t.Errorf(":ns %q: header %q", ns, strings.Split(s, "\n")[1])
		}
	}
	tb.SetNamespace("")
	// From a pod: its resource folds and the cursor goes up to it.
	tb.cursor = 5 // └ llama-0
	press(a, "space")
	if got := strings.Join(treeRows(tb), "|"); got != "# CRITICAL OR BELOW TIER|idle|llama-1|# INFERENCE|▸ llama|# OTHER|web-5d-x" {
		t.Fatalf("folded: %s", got)
	}
	if r, _ := tb.Selected(); r.res == nil || r.res.Name != "llama" {
		t.Fatalf("cursor not on the folded resource: %+v", r)
	}
	// Folded pods still count, as folded groups do.
	if _, n := tb.Position(); n != 6 {
		t.Errorf("%d workloads match, want 6", n)
	}
	press(a, "space")
	if got := strings.Join(treeRows(tb), "|"); got != want {
		t.Fatalf("unfolded again: %s", got)
	}
	tb.SetFilterText("llama-0-1")
	if got := strings.Join(treeRows(tb), "|"); got != "# INFERENCE|▾ llama|└ llama-0-1" {
		t.Errorf("filter on one pod: %s", got)
	}
	// The resource alone matches: no fold mark over nothing.
	tb.SetFilterText("leaderworkerset")
	if got := strings.Join(treeRows(tb), "|"); got != "# INFERENCE|llama" {
		t.Errorf("filter on the resource: %s", got)
	}
	tb.SetFilterText("")
	tb.SetSort(sortName, true)
	if got := strings.Join(treeRows(tb), "|"); got != "# CRITICAL OR BELOW TIER|llama-1|idle|# INFERENCE|▾ llama|└ llama-0-1|└ llama-0|# OTHER|web-5d-x" {
		t.Errorf("reversed by name: %s", got)
	}
}

// TestLinkKidsFollowsTheSort: pods are linked to their resource in the
// sort's order, whatever the order of the names.
func TestLinkKidsFollowsTheSort(t *testing.T) {
	rs := []audit.Result{
		{Kind: "LeaderWorkerSet", Namespace: "n", Name: "b", Status: &audit.Status{Status: audit.StatusPods, Pods: 2}},
		{Kind: "Pod", Namespace: "n", Name: "a-pod", RunsFrom: &audit.Owner{Kind: "LeaderWorkerSet", Name: "b"}, Findings: []audit.Finding{{Severity: "low"}}},
		{Kind: "Pod", Namespace: "n", Name: "c-pod", RunsFrom: &audit.Owner{Kind: "LeaderWorkerSet", Name: "b"}, Findings: []audit.Finding{{Severity: "high"}}},
	}
	es := newEntries(rs)
	sorted := sortEntries(es, sortWorst, false, nil)
	var kids []string
	for i := range sorted {
		if sorted[i].res.Name == "b" {
			for k := sorted[i].kid; k >= 0; k = sorted[k].sib {
				kids = append(kids, sorted[k].res.Name)
			}
		}
	}
	if strings.Join(kids, ",") != "c-pod,a-pod" {
		t.Errorf("kids by worst finding: %v, want c-pod,a-pod", kids)
	}
}

// TestCustomResourceTreeGolden: the tree at 80x24.
func TestCustomResourceTreeGolden(t *testing.T) {
	golden(t, "tree-80x24", screen(treeApp(t, 80, 24)))
}

// TestDetailOfATreeRow: a custom resource's detail says its pods are
// under it; a pod whose chain does not reach it (a worker pod of a
// StatefulSet not read) says what it runs from.
func TestDetailOfATreeRow(t *testing.T) {
	a := treeApp(t, 120, 40)
	for _, c := range []struct{ name, want string }{
		{"llama", "the pods that run from it are listed under it"},
		{"llama-0-1", "runs from: LeaderWorkerSet/llama"},
	} {
		for i, r := range a.table.rows {
			if !r.header && r.res.Name == c.name {
				a.table.cursor = i
			}
		}
		press(a, "enter")
		if s := screen(a); !strings.Contains(s, c.want) || strings.Contains(s, "phase -") {
			t.Errorf("%s detail lacks %q:\n%s", c.name, c.want, s)
		}
		press(a, "esc")
	}
}
