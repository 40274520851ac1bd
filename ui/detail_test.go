package ui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
)

// TestDetailAlone drives the detail view without the App: it follows its
// workload through reports, says when it is gone, and asks the root for
// a fix, a probe or another view.
func TestDetailAlone(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	d := newDetailView(&st, out, false)
	d.SetSize(120, 60)
	_, rep := exampleAudit(t)
	r := workload(t, rep, "research-agent")
	d.Show(r)
	if v := ansi.Strip(d.View()); !strings.Contains(v, "Deployment agents/research-agent") || !strings.Contains(v, "FINDINGS") {
		t.Fatalf("detail:\n%s", v)
	}
	for _, c := range []struct {
		key  string
		want tea.Msg
	}{
		{"f", fixRequestMsg{res: r}},
		{"p", probeRequestMsg{res: r}},
		{"n", showViewMsg{view: viewNodes}},
		{"esc", showViewMsg{view: viewTable}},
	} {
		if got := askKeys(d, out, c.key); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s asked %v, want %v", c.key, got, c.want)
		}
	}
	if got := askKeys(d, out, "j", "k", "G", "g"); len(got) != 0 {
		t.Errorf("scrolling asked %v", got)
	}

	// A report with it again: the new result is followed.
	again := *rep
	again.Workloads = slices.Clone(rep.Workloads)
	ask(d, out, reportMsg{rep: &again})
	if d.Shown() != workload(t, &again, "research-agent") {
		t.Error("the detail did not follow its workload into the new report")
	}
	// A report without it: gone, its last state kept, and no fix.
	gone := again
	gone.Workloads = slices.DeleteFunc(slices.Clone(again.Workloads), func(w audit.Result) bool { return w.Name == "research-agent" })
	ask(d, out, reportMsg{rep: &gone})
	if v := ansi.Strip(d.View()); !strings.Contains(v, "deleted: this is its last known state") {
		t.Errorf("gone not said:\n%s", v)
	}
	if got := askKeys(d, out, "f"); len(got) != 1 || got[0] != (noticeMsg{text: "the workload is gone; nothing to fix"}) {
		t.Errorf("f on a gone workload asked %v", got)
	}
	ask(d, out, feedSwitchedMsg{})
	if d.Shown() != nil {
		t.Error("a feed switch left the detail following a workload of the old feed")
	}
	if got := askKeys(d, out, "f", "p"); len(got) != 0 {
		t.Errorf("with nothing shown, f and p asked %v", got)
	}
}

// TestNodesAlone: the nodes view says the placeholder until a report,
// then lists the nodes; esc asks for the table.
func TestNodesAlone(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	n := newNodesView(&st, out)
	n.SetSize(120, 20)
	n.SetPlaceholder("syncing… listing pods")
	if v := ansi.Strip(n.View()); v != "syncing… listing pods" {
		t.Fatalf("before a report: %q", v)
	}
	_, rep := exampleAudit(t)
	ask(n, out, reportMsg{rep: rep})
	if v := ansi.Strip(n.View()); !strings.Contains(v, "NODE") || !strings.Contains(v, "gpu-h100-h3v7") {
		t.Fatalf("nodes:\n%s", v)
	}
	if got := askKeys(n, out, "j", "n", "f"); len(got) != 0 {
		t.Errorf("the nodes view asked %v", got)
	}
	if got := askKeys(n, out, "esc"); len(got) != 1 || got[0] != (showViewMsg{view: viewTable}) {
		t.Errorf("esc asked %v", got)
	}
	ask(n, out, feedSwitchedMsg{})
	if v := ansi.Strip(n.View()); strings.Contains(v, "gpu-h100-h3v7") {
		t.Errorf("the old feed's nodes stayed:\n%s", v)
	}
}
