package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/policy"
)

func TestSelectionStaysOnTheSamePodWhenRowsMove(t *testing.T) {
	inv := synth.Cluster(200, false)
	a := liveApp(t, 120, 30)
	send(a, 1, inv, nil)
	target := inv.Workloads[150].Name
	selectName(t, a, target)

	// A new pod that sorts first in the same group pushes every row down.
	moved := withPod(inv, 150, "aaa-new-pod")
	send(a, 2, moved, nil)
	if got := selectedName(t, a); got != target {
		t.Fatalf("selection moved to %s, want %s", got, target)
	}
	if !slices.Contains(names(a), "aaa-new-pod") {
		t.Fatal("the new pod did not appear")
	}

	// Re-sorting keeps it too.
	press(a, "s")
	if got := selectedName(t, a); got != target {
		t.Fatalf("after sorting, selection is on %s, want %s", got, target)
	}
}

func TestDeletedPodsDisappear(t *testing.T) {
	inv := synth.Cluster(50, false)
	a := liveApp(t, 120, 30)
	send(a, 1, inv, nil)
	gone := inv.Workloads[7].Name
	selectName(t, a, gone)
	at, _ := a.table.Position()

	send(a, 2, without(inv, gone), nil)
	if slices.Contains(names(a), gone) {
		t.Fatalf("%s is still listed after deletion", gone)
	}
	if _, n := a.table.Position(); n != 49 {
		t.Fatalf("%d workloads listed, want 49", n)
	}
	// The cursor stays where it was rather than jumping to the top.
	if now, _ := a.table.Position(); now < at-1 || now > at+1 {
		t.Fatalf("cursor moved from %d to %d", at, now)
	}
}

func TestFilters(t *testing.T) {
	snap := examplePlatform(t)
	for _, tt := range []struct {
		name string
		keys func(a *App)
		want []string // exactly these workloads, in order
		all  func(r *audit.Result) bool
	}{
		{name: "text", keys: func(a *App) { press(a, "/"); typeText(a, "qdrant") }, want: []string{"qdrant"}},
		{name: "text matches rules", keys: func(a *App) { press(a, "/"); typeText(a, "gpu-001") },
			want: []string{"jovyan-5f0c3b2e-9d41-4a8e-b7c2-61e0f4a9d3b7", "qwen25-1p5b-sglang"}}, // code-exec before inference
		{name: "text then enter keeps it", keys: func(a *App) { press(a, "/"); typeText(a, "sandbox"); press(a, "enter") },
			all: func(r *audit.Result) bool {
				return r.Namespace == "code-sandbox" || strings.Contains(r.Name, "sandbox")
			}},
		{name: "esc clears", keys: func(a *App) { press(a, "/"); typeText(a, "qdrant"); press(a, "enter", "esc") },
			all: func(*audit.Result) bool { return true }},
		{name: "type", keys: func(a *App) { press(a, "t", "t") }, // code-exec, then agent
			all: func(r *audit.Result) bool { return r.Type == policy.Agent }},
		{name: "severity", keys: func(a *App) { press(a, "v", "v", "v", "v") },
			all: func(r *audit.Result) bool { w := r.Worst(); return w != nil && w.Severity == policy.Critical }},
		{name: "namespace", keys: func(a *App) { press(a, ":"); typeText(a, "ns rag"); press(a, "enter") },
			all: func(r *audit.Result) bool { return r.Namespace == "rag" }},
		{name: "all namespaces", keys: func(a *App) {
			press(a, ":")
			typeText(a, "ns rag")
			press(a, "enter", ":")
			typeText(a, "ns all")
			press(a, "enter")
		}, all: func(*audit.Result) bool { return true }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := loaded(t, snap, 120, 60)
			tt.keys(a)
			got := names(a)
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Fatalf("rows %v, want %v", got, tt.want)
			}
			if tt.all != nil {
				if len(got) == 0 {
					t.Fatal("the filter left nothing")
				}
				n := 0
				for _, r := range a.table.rows {
					if !r.header {
						n++
						if !tt.all(r.res) {
							t.Errorf("%s/%s should have been filtered out", r.res.Namespace, r.res.Name)
						}
					}
				}
				total := 0
				for i := range a.table.results {
					if tt.all(&a.table.results[i]) {
						total++
					}
				}
				if n != total {
					t.Errorf("%d rows, want all %d that match", n, total)
				}
			}
		})
	}
}

func TestFilterStatusAndEmptyResult(t *testing.T) {
	a := loaded(t, examplePlatform(t), 120, 30)
	press(a, "/")
	typeText(a, "no-such-thing")
	press(a, "enter")
	s := screen(a)
	if !strings.Contains(s, "no workloads match the filters (esc clears them)") || !strings.Contains(s, "/no-such-thing") {
		t.Fatalf("empty filter result not explained:\n%s", s)
	}
}

func TestFoldGroups(t *testing.T) {
	a := loaded(t, examplePlatform(t), 120, 60)
	rows := len(a.table.rows)
	sum := a.session.data.report.Summary
	pinnedN := sum.ByVerdict[audit.VerdictCritical] + sum.ByVerdict[audit.VerdictBelowTier]
	press(a, "g", "space") // fold the pinned group from its header
	if got := len(a.table.rows); got != rows-pinnedN {
		t.Fatalf("folding the %d pinned workloads left %d of %d rows", pinnedN, got, rows)
	}
	if r, _ := a.table.Selected(); !r.header || r.group != groupAttention {
		t.Fatalf("cursor left the folded header: %+v", r)
	}
	// Folded workloads still count; the header stands at its first.
	if at, n := a.table.Position(); at != 1 || n != 30 {
		t.Fatalf("position %d/%d on the folded header, want 1/30", at, n)
	}
	press(a, "down") // the CODE-EXEC header: after the folded ones
	if at, _ := a.table.Position(); at != pinnedN+1 {
		t.Fatalf("position %d on the next header, want %d", at, pinnedN+1)
	}
	if want := "▸ CRITICAL OR BELOW TIER (" + itoa(pinnedN) + ")"; !strings.Contains(screen(a), want) {
		t.Fatalf("folded group not marked %q:\n%s", want, screen(a))
	}
	press(a, "up", "enter") // enter on a header unfolds too
	if got := len(a.table.rows); got != rows {
		t.Fatalf("unfold: %d rows, want %d", got, rows)
	}
	// Every group folded: the count still says what matches.
	for _, g := range groupOrder {
		a.table.f.collapsed[g] = true
	}
	a.table.rebuild()
	if _, n := a.table.Position(); n != 30 {
		t.Fatalf("all folded: %d workloads, want 30", n)
	}
}

func TestCursorStaysOnScreen(t *testing.T) {
	a := liveApp(t, 160, 48)
	send(a, 1, synth.Cluster(500, false), nil)
	press(a, "G")
	for _, size := range [][2]int{{80, 24}, {100, 30}, {80, 24}} {
		a.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		s := screen(a)
		lines := strings.Split(s, "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		if at, n := a.table.Position(); at != n {
			t.Fatalf("%dx%d: cursor at %d of %d after resize", size[0], size[1], at, n)
		}
		last := a.table.rows[a.table.cursor].res.Name
		if !strings.Contains(s, truncatedPrefix(last)) {
			t.Fatalf("%dx%d: the selected row %s is off screen:\n%s", size[0], size[1], last, s)
		}
	}
	press(a, "g")
	if at, _ := a.table.Position(); at != 0 && at != 1 {
		t.Fatalf("g went to %d", at)
	}
}

// truncatedPrefix is a part of a name that survives the narrowest name
// column.
func truncatedPrefix(s string) string { return s[len(s)-5:] }

func TestMouseWheelScrolls(t *testing.T) {
	a := loaded(t, examplePlatform(t), 80, 24)
	at, _ := a.table.Position()
	a.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if now, _ := a.table.Position(); now <= at {
		t.Fatalf("wheel down did not move the cursor (%d → %d)", at, now)
	}
}

func TestFitName(t *testing.T) {
	for _, tt := range []struct {
		in   string
		w    int
		want string
	}{
		{"rag/sts/qdrant", 20, "rag/sts/qdrant      "},
		{"llm-serving/deploy/litellm-gateway", 28, "llm-…/deploy/litellm-gateway"},
		{"team-49/app-99-7d9f8c718-00099", 28, "team…/app-99-7d9f8c718-00099"},
		{"team-49/app-99-7d9f8c718-00099-with-a-very-long-suffix", 28, "tea…/app-99-7d9f…long-suffix"},
		{"ns/" + strings.Repeat("x", 40), 12, "ns/xxxx…xxxx"},
		{"no-slash-but-long-enough-to-cut", 10, "no-sl…-cut"},
		{"a/\x1b[31mred", 12, "a/?[31mred  "},
	} {
		if got := fitName(tt.in, tt.w); got != tt.want {
			t.Errorf("fitName(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
}

func TestFitNameWideCharacters(t *testing.T) {
	for _, in := range []string{
		"ns/😀😀😀😀😀😀😀😀😀😀-x",
		"ns/日本語日本語日本語日本語日本語",
		"日本語の名前空間/日本語日本語日本語日本語日本語",
		"ns/a😀b😀c😀d😀e😀f😀g😀h",
	} {
		for w := 1; w <= 20; w++ {
			got := fitName(in, w)
			if n := ansi.StringWidth(got); n != w {
				t.Errorf("fitName(%q, %d) = %q: %d cells", in, w, got, n)
			}
		}
	}
}

// TestTableAlone drives the table without the App: it lists a report,
// filters and sorts by its keys, and asks the root for what is beyond
// it (details, a probe, the filter line, the nodes view).
func TestTableAlone(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	tb := newWorkloadTable(&st, out, false)
	tb.SetSize(120, 30)
	tb.SetPlaceholder("syncing…", true)
	if v := tb.View(); !strings.Contains(v, "syncing…") {
		t.Fatalf("before a report:\n%s", v)
	}
	_, rep := exampleAudit(t)
	tb.SetPlaceholder("no pod-bearing workloads", false)
	ask(tb, out, reportMsg{rep: rep, entries: newEntries(rep.Workloads)})
	if v := tb.View(); !strings.Contains(v, "▾ CRITICAL OR BELOW TIER (4)") || tb.Status() != "sort:worst finding↑  1/30" {
		t.Fatalf("status %q, view:\n%s", tb.Status(), v)
	}
	sel, _ := tb.Selected()
	for _, c := range []struct {
		key  string
		want tea.Msg
	}{
		{"enter", openDetailMsg{res: sel.res}},
		{"p", probeRequestMsg{res: sel.res}},
		{"/", openInputMsg{mode: inputFilter}},
		{"n", showViewMsg{view: viewNodes}},
	} {
		if got := askKeys(tb, out, c.key); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s asked %v, want %v", c.key, got, c.want)
		}
	}
	if got := askKeys(tb, out, "t", "v", "s", "S", "j", "G", "g"); len(got) != 0 {
		t.Errorf("the table's own keys asked the root %v", got)
	}
	if s := tb.Status(); !strings.Contains(s, "type:code-exec") || !strings.Contains(s, "sev≥low") || !strings.Contains(s, "sort:isolation gap↓") {
		t.Errorf("status after t v s S: %q", s)
	}
	askKeys(tb, out, "esc")
	tb.SetFilterText("qdrant")
	if got := rowNames(tb); len(got) != 1 || got[0] != "qdrant" || !strings.HasPrefix(tb.Status(), "/qdrant") {
		t.Fatalf("filter qdrant: %v, status %q", got, tb.Status())
	}
	tb.SetFilterText("no-such-thing")
	if v := tb.View(); !strings.Contains(v, "no workloads match the filters (esc clears them)") {
		t.Errorf("empty filter result:\n%s", v)
	}
	// A new feed: the rows and the namespace go, the placeholder shows.
	tb.SetNamespace("rag")
	ask(tb, out, feedSwitchedMsg{})
	if tb.Namespace() != "" || !strings.Contains(tb.View(), "no pod-bearing workloads") {
		t.Errorf("after a feed switch: namespace %q\n%s", tb.Namespace(), tb.View())
	}
}

// TestTableAloneInAProgram runs the table as a program of its own under
// teatest: the report arrives as a message, keys move and open.
func TestTableAloneInAProgram(t *testing.T) {
	const w, h = 100, 20
	st, out := NewStyles(), &outbox{}
	_, rep := exampleAudit(t)
	tm := teatest.NewTestModel(t, &alone{c: newWorkloadTable(&st, out, false), out: out},
		teatest.WithInitialTermSize(w, h), teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	term := newTerminal(t, w, h)
	tm.Send(reportMsg{rep: rep, entries: newEntries(rep.Workloads)})
	term.waitFor(t, tm, "the table", containsAll("NAMESPACE/NAME", "▾ CRITICAL OR BELOW TIER (4)"))
	tm.Send(keyMsg("/"))
	tm.Send(keyMsg("G"))
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(*alone)
	if len(final.asked) != 2 {
		t.Fatalf("asked %v", final.asked)
	}
	if m, ok := final.asked[1].(openDetailMsg); !ok || m.res == nil {
		t.Fatalf("enter on the last row asked %v", final.asked[1])
	}
}
