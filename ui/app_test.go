package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/policy"
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

func names(a *App) []string {
	var out []string
	for _, r := range a.table.rows {
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

func TestCommands(t *testing.T) {
	for _, tt := range []struct{ cmd, want string }{
		{"ns nowhere", "no workloads in namespace nowhere"},
		{"bogus", "unknown command bogus"},
		{"nodes", "gpu-h100-h3v7"},
		{"q", "press q to quit"},
	} {
		t.Run(tt.cmd, func(t *testing.T) {
			a := loaded(t, examplePlatform(t), 120, 30)
			press(a, ":")
			typeText(a, tt.cmd)
			press(a, "enter")
			if s := screen(a); !strings.Contains(s, tt.want) {
				t.Fatalf("after :%s the screen lacks %q:\n%s", tt.cmd, tt.want, s)
			}
		})
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

func TestQuitKeys(t *testing.T) {
	for _, keys := range [][]string{{"q"}, {"ctrl+c"}, {"/", "ctrl+c"}, {"?", "q"}} {
		t.Run(fmt.Sprint(keys), func(t *testing.T) {
			a := loaded(t, examplePlatform(t), 80, 24)
			var cmd tea.Cmd
			for _, k := range keys {
				_, cmd = a.Update(keyMsg(k))
			}
			if cmd == nil {
				t.Fatal("no command")
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Fatal("did not quit")
			}
		})
	}
	// q typed into the filter is text, not quit.
	a := loaded(t, examplePlatform(t), 80, 24)
	press(a, "/")
	_, cmd := a.Update(keyMsg("q"))
	if cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q in the filter quit the app")
		}
	}
	if a.table.f.text != "q" {
		t.Fatalf("filter text %q, want q", a.table.f.text)
	}
}

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

func TestInfoSaysWhatIsNotVisible(t *testing.T) {
	inv := synth.Cluster(10, false)
	inv.Gaps = []string{"nodes: forbidden (cluster-scoped) — kernel facts and GPU capacity unavailable"}
	a := liveApp(t, 120, 30)
	send(a, 1, inv, nil)
	if s := screen(a); !strings.Contains(s, "1 not visible (i)") {
		t.Fatalf("header does not flag the gap:\n%s", s)
	}
	press(a, "i")
	s := screen(a)
	for _, want := range []string{"context kwok-lab, all namespaces", "snapshot 1 from 10:00:00", "not visible", "nodes: forbidden (cluster-scoped)"} {
		if !strings.Contains(s, want) {
			t.Fatalf("info lacks %q:\n%s", want, s)
		}
	}
	press(a, "esc")
	if strings.Contains(screen(a), "snapshot 1 from") {
		t.Fatal("esc did not close the info")
	}
}

// fakeFeeds opens feeds that the test fills by hand, and records which
// were stopped. (The real opener, in cmd, starts informers.)
type fakeFeeds struct {
	opened  map[string]chan *cluster.Snapshot
	first   map[string]*cluster.Snapshot // queued on the feed when it opens
	stopped []string
	fail    error
}

func (f *fakeFeeds) open(ns string) (*Feed, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	ch := make(chan *cluster.Snapshot, 4)
	if s := f.first[ns]; s != nil {
		ch <- s
	}
	f.opened[ns] = ch
	return &Feed{Snapshots: ch, Scope: scopeTitle(ns), Stop: func() { f.stopped = append(f.stopped, ns) }}, nil
}

// runCmd runs a command and everything it batches, delivering messages
// to the app; waits on feed channels are skipped unless ready.
func runCmd(a *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	var msg tea.Msg
	done := make(chan struct{})
	go func() { msg = cmd(); close(done) }()
	select {
	case <-done:
	case <-time.After(200 * time.Millisecond):
		return // a wait on an empty feed
	}
	switch m := msg.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			runCmd(a, c)
		}
	case nil:
	default:
		_, next := a.Update(m)
		runCmd(a, next)
	}
}

func TestNamespaceSwitchOpensANewFeed(t *testing.T) {
	feeds := &fakeFeeds{opened: map[string]chan *cluster.Snapshot{}, first: map[string]*cluster.Snapshot{
		"": {Generation: 1, Synced: false, Inventory: &audit.Inventory{}, Time: fixedTime},
	}}
	a := liveApp(t, 120, 30)
	a.session.src.namespace, a.session.src.scope, a.session.src.open = "team-01", "namespace team-01", feeds.open
	inv := synth.Cluster(100, false)
	send(a, 1, inv, nil)

	press(a, ":")
	typeText(a, "ns all")
	_, cmd := a.Update(keyMsg("enter"))
	if !strings.Contains(screen(a), "switching to all namespaces…") {
		t.Fatalf("no switching notice:\n%s", screen(a))
	}
	runCmd(a, cmd) // opens the feed and takes its first, unsynced, snapshot
	ch := feeds.opened[""]
	if ch == nil {
		t.Fatal(":ns all did not open a feed for all namespaces")
	}
	if s := screen(a); !strings.Contains(s, "all namespaces") || !strings.Contains(s, "syncing…") || strings.Contains(s, "100 workloads") {
		t.Fatalf("after the switch the view must say syncing for the new scope:\n%s", s)
	}
	// A late snapshot of the old feed is dropped.
	_, cmd = a.Update(snapshotMsg{snap: &cluster.Snapshot{Generation: 9, Synced: true, Inventory: inv, Time: fixedTime}, epoch: 0})
	if cmd != nil || a.session.data.report != nil {
		t.Fatal("a snapshot of the old feed was taken")
	}
	_, cmd = a.Update(snapshotMsg{snap: &cluster.Snapshot{Generation: 2, Synced: true, Inventory: synth.Cluster(30, false), Time: fixedTime}, epoch: a.session.src.epoch})
	runCmd(a, cmd)
	if _, n := a.table.Position(); n != 30 {
		t.Fatalf("%d rows from the new feed, want 30", n)
	}

	// Within all namespaces, :ns filters rather than opening a feed.
	press(a, ":")
	typeText(a, "ns team-02")
	_, cmd = a.Update(keyMsg("enter"))
	runCmd(a, cmd)
	if len(feeds.opened) != 1 || a.table.f.namespace != "team-02" {
		t.Fatalf("opened %v, filter %q", feeds.opened, a.table.f.namespace)
	}
}

func TestNamespaceSwitchStopsTheFeedItLeaves(t *testing.T) {
	feeds := &fakeFeeds{opened: map[string]chan *cluster.Snapshot{}}
	a := liveApp(t, 120, 30)
	a.session.src.namespace, a.session.src.scope, a.session.src.open = "team-01", "namespace team-01", feeds.open
	a.session.src.stop = func() { feeds.stopped = append(feeds.stopped, "team-01") } // Config.StopFeed
	send(a, 1, synth.Cluster(100, false), nil)
	for _, ns := range []string{"team-02", "team-03"} {
		press(a, ":")
		typeText(a, "ns "+ns)
		_, cmd := a.Update(keyMsg("enter"))
		runCmd(a, cmd)
		if a.session.src.scope != "namespace "+ns {
			t.Fatalf("scope %q after :ns %s", a.session.src.scope, ns)
		}
	}
	if len(feeds.opened) != 2 || !slices.Equal(feeds.stopped, []string{"team-01", "team-02"}) {
		t.Fatalf("opened %v, stopped %v", feeds.opened, feeds.stopped)
	}
}

func TestNamespaceSwitchLatestRequestWins(t *testing.T) {
	feeds := &fakeFeeds{opened: map[string]chan *cluster.Snapshot{}}
	a := liveApp(t, 120, 30)
	a.session.src.namespace, a.session.src.scope, a.session.src.open = "team-01", "namespace team-01", feeds.open
	send(a, 1, synth.Cluster(100, false), nil)
	request := func(ns string) tea.Cmd {
		press(a, ":")
		typeText(a, "ns "+ns)
		_, cmd := a.Update(keyMsg("enter"))
		return cmd
	}
	slow, fast := request("team-02"), request("team-03")
	runCmd(a, fast)
	runCmd(a, slow) // opens after the newer request: stopped unseen
	if a.session.src.scope != "namespace team-03" {
		t.Fatalf("scope %q: an older :ns won", a.session.src.scope)
	}
	if !slices.Equal(feeds.stopped, []string{"team-02"}) {
		t.Fatalf("stopped %v, want the superseded team-02 feed", feeds.stopped)
	}
	// A :ns inside the scope also cancels a pending switch.
	pending := request("team-04")
	press(a, ":")
	typeText(a, "ns team-03")
	press(a, "enter")
	runCmd(a, pending)
	if a.session.src.scope != "namespace team-03" {
		t.Fatalf("scope %q: a cancelled switch went through", a.session.src.scope)
	}
}

func TestNamespaceSwitchFailureKeepsTheView(t *testing.T) {
	feeds := &fakeFeeds{opened: map[string]chan *cluster.Snapshot{}, fail: errors.New("pods: forbidden (all namespaces)")}
	a := liveApp(t, 120, 30)
	a.session.src.namespace, a.session.src.scope, a.session.src.open = "team-01", "namespace team-01", feeds.open
	send(a, 1, synth.Cluster(40, false), nil)
	press(a, ":")
	typeText(a, "ns all")
	_, cmd := a.Update(keyMsg("enter"))
	runCmd(a, cmd)
	s := screen(a)
	if !strings.Contains(s, "cannot switch to all namespaces: pods: forbidden") || !strings.Contains(s, "namespace team-01") {
		t.Fatalf("failure not explained, or the scope changed:\n%s", s)
	}
	if _, n := a.table.Position(); n != 40 {
		t.Fatalf("%d rows: the old data should stay", n)
	}
}

func TestNamespaceWithinScopeFilters(t *testing.T) {
	feeds := &fakeFeeds{opened: map[string]chan *cluster.Snapshot{}}
	a := liveApp(t, 120, 30)
	a.session.src.open = feeds.open // all namespaces: every namespace is in scope
	inv := synth.Cluster(100, false)
	send(a, 1, inv, nil)
	press(a, ":")
	typeText(a, "ns team-03")
	_, cmd := a.Update(keyMsg("enter"))
	runCmd(a, cmd)
	if len(feeds.opened) != 0 {
		t.Fatal("a namespace within the scope opened a feed")
	}
	want := 0
	for _, w := range inv.Workloads {
		if w.Namespace == "team-03" {
			want++
		}
	}
	if _, n := a.table.Position(); n != want || want == 0 {
		t.Fatalf("%d workloads under :ns team-03, want %d", n, want)
	}
	for _, r := range a.table.rows {
		if !r.header && r.res.Namespace != "team-03" {
			t.Fatalf("%s/%s shown under :ns team-03", r.res.Namespace, r.res.Name)
		}
	}
	// esc does not undo a namespace switch; an empty one says how to.
	press(a, "esc", ":")
	typeText(a, "ns nowhere")
	press(a, "enter")
	if s := screen(a); !strings.Contains(s, "no workloads in namespace nowhere (:ns all shows every namespace)") {
		t.Fatalf("empty namespace not explained:\n%s", s)
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

func TestHeaderHidesCredentialsAndControlCharacters(t *testing.T) {
	ch := make(chan *cluster.Snapshot)
	close(ch)
	a := New(Config{Context: "prod\x1b[2J", Server: "https://admin:s3cr3t-token@10.0.0.1:6443", Scope: "all namespaces",
		Snapshots: ch, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 20})
	s := screen(a)
	if strings.Contains(s, "s3cr3t-token") || strings.Contains(s, "\x1b[2J") {
		t.Fatalf("header shows a credential or a raw escape: %q", strings.Split(s, "\n")[0])
	}
	if !strings.Contains(s, "https://admin:xxxxx@10.0.0.1:6443") || !strings.Contains(s, "ctx prod?[2J") {
		t.Fatalf("header: %q", strings.Split(s, "\n")[0])
	}
}
