package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/probe"
)

// fakeContexts opens the feeds of kubeconfig contexts the test fills by
// hand: each has its own tools, which record what was asked of them;
// a context in down cannot be reached.
type fakeContexts struct {
	mu      sync.Mutex
	snaps   map[string]*cluster.Snapshot // queued on the feed when it opens
	down    map[string]error
	opened  map[string]chan *cluster.Snapshot
	stopped []string
	probed  []string // "context ns/pod"
	appl    map[string]*recordingApplier
}

func newFakeContexts(t testing.TB) *fakeContexts {
	lab := livePods(t)
	// staging runs the agents only: the same names as the lab's, in
	// another cluster.
	inv := *lab.Inventory
	inv.Workloads = nil
	for _, w := range lab.Inventory.Workloads {
		if w.Namespace == "agents" {
			w.UID = "staging-" + w.UID
			inv.Workloads = append(inv.Workloads, w)
		}
	}
	staging := &cluster.Snapshot{Generation: 1, Synced: true, Inventory: &inv, Time: fixedTime}
	return &fakeContexts{
		snaps:  map[string]*cluster.Snapshot{"lab": lab, "staging": staging},
		down:   map[string]error{"gone": errors.New("Get \"https://127.0.0.1:1/version\": dial tcp 127.0.0.1:1: connect: connection refused")},
		opened: map[string]chan *cluster.Snapshot{},
		appl:   map[string]*recordingApplier{"lab": {}, "staging": {}},
	}
}

func (f *fakeContexts) open(name string) (*Feed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.down[name]; err != nil {
		return nil, err
	}
	ch := make(chan *cluster.Snapshot, 4)
	if s := f.snaps[name]; s != nil {
		ch <- s
	}
	f.opened[name] = ch
	tools := &Tools{Applier: f.appl[name], Probe: func(_ context.Context, ns, pod, _ string) (*probe.Report, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.probed = append(f.probed, name+" "+ns+"/"+pod)
		return nil, errors.New("no cat in the image")
	}}
	stop := func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.stopped = append(f.stopped, name)
	}
	return &Feed{Snapshots: ch, Scope: "all namespaces", Stop: stop, Context: name, Server: "https://" + name + ":6443", Tools: tools}, nil
}

func (f *fakeContexts) stops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.stopped)
}

// contextsApp is a live app on the lab's first feed (stopped into
// *firstStopped), with the kubeconfig's three contexts.
func contextsApp(t *testing.T, fc *fakeContexts, w, h int, firstStopped *bool) *App {
	t.Helper()
	ch := make(chan *cluster.Snapshot)
	close(ch)
	a := New(Config{Context: "lab", Server: "https://lab:6443", Scope: "all namespaces", Snapshots: ch, StopFeed: func() { *firstStopped = true },
		Contexts: []string{"gone", "lab", "staging"}, OpenContext: fc.open, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(a, a.Init())
	_, cmd := a.Update(snapshotMsg{snap: fc.snaps["lab"]})
	drive(a, cmd)
	return a
}

// command types a ":" command and returns what it started.
func command(a *App, line string) tea.Cmd {
	press(a, ":")
	typeText(a, line)
	_, cmd := a.Update(keyMsg("enter"))
	return cmd
}

func fleetApp(t *testing.T, w, h int) (*App, *fakeContexts, *bool) {
	t.Helper()
	fc := newFakeContexts(t)
	stopped := new(bool)
	a := contextsApp(t, fc, w, h, stopped)
	runCmd(a, command(a, "ctx all"))
	return a, fc, stopped
}

// TestCtxAllMergesTheClusters: :ctx all opens every context; each row
// carries its cluster and CLUSTER shows it, the header counts the
// clusters synced and unreachable, the unreachable one's reason is under
// i, and the feed left is stopped. One cluster's table has no CLUSTER.
func TestCtxAllMergesTheClusters(t *testing.T) {
	fc := newFakeContexts(t)
	stopped := new(bool)
	a := contextsApp(t, fc, 160, 48, stopped)
	if strings.Contains(screen(a), "CLUSTER") {
		t.Fatalf("one cluster shows CLUSTER:\n%s", screen(a))
	}
	runCmd(a, command(a, "ctx all"))
	if !*stopped {
		t.Error("the lab's first feed was not stopped")
	}
	byCluster := map[string]int{}
	for _, r := range a.table.results {
		byCluster[r.Cluster]++
	}
	lab, staging := len(fc.snaps["lab"].Inventory.Workloads), len(fc.snaps["staging"].Inventory.Workloads)
	if byCluster["lab"] != lab || byCluster["staging"] != staging || len(byCluster) != 2 {
		t.Fatalf("rows by cluster %v, want lab %d and staging %d", byCluster, lab, staging)
	}
	got := screen(a)
	for _, want := range []string{"ctx all (3)", "2 synced · 1 unreachable (i)", "CLUSTER", "staging", "agents/support-agent-0"} {
		if !strings.Contains(got, want) {
			t.Errorf("the fleet view lacks %q:\n%s", want, got)
		}
	}
	golden(t, "fleet-160x48", got)
	press(a, "i")
	info := screen(a)
	if !strings.Contains(info, "gone: unreachable: Get") || !strings.Contains(info, "staging: synced") {
		t.Errorf("the info overlay does not say each cluster's state:\n%s", info)
	}
	press(a, "esc")

	// The same names in two clusters are two rows: the filter finds
	// them by cluster too.
	press(a, "/")
	typeText(a, "staging")
	press(a, "enter")
	for _, r := range a.table.rows {
		if !r.header && r.res.Cluster != "staging" {
			t.Fatalf("/staging kept %s of %q", r.res.Name, r.res.Cluster)
		}
	}
}

func TestFleetGolden80x24(t *testing.T) {
	a, _, _ := fleetApp(t, 80, 24)
	got := screen(a)
	if !strings.Contains(got, "CLUSTER") || !strings.Contains(got, "unreachable") {
		t.Errorf("80 columns lose the cluster or the unreachable count:\n%s", got)
	}
	golden(t, "fleet-80x24", got)
}

// TestFleetActsOnTheRowsCluster: p probes and a applies a fix in the
// selected row's own cluster, with its tools, never the lab's.
func TestFleetActsOnTheRowsCluster(t *testing.T) {
	a, fc, _ := fleetApp(t, 120, 40)
	selectFleetRow(t, a, "staging", "research-agent-0")
	runCmd(a, pressCmd(a, "p"))
	if want := []string{"staging agents/research-agent-0"}; !slices.Equal(fc.probed, want) {
		t.Errorf("probes %v, want %v", fc.probed, want)
	}
	press(a, "enter")
	if !strings.Contains(screen(a), "cluster: staging") {
		t.Errorf("the detail view does not name the cluster:\n%s", screen(a))
	}
	run(a, pressCmd(a, "f"))
	if a.focus != viewFix || !strings.Contains(screen(a), "FIX  Pod/agents/research-agent-0  in cluster staging") {
		t.Fatalf("f did not open the fix, naming the cluster:\n%s", screen(a))
	}
	run(a, pressCmd(a, "a"))
	if len(fc.appl["staging"].dry) == 0 || len(fc.appl["lab"].dry) != 0 {
		t.Errorf("dry runs: staging %v, lab %v", fc.appl["staging"].dry, fc.appl["lab"].dry)
	}
	if got := screen(a); !strings.Contains(got, "changes to staging as \"tiergate\"?") {
		t.Errorf("the fix does not say which cluster it writes to:\n%s", got)
	}
	run(a, pressCmd(a, "y"))
	if len(fc.appl["staging"].applied) == 0 || len(fc.appl["lab"].applied) != 0 {
		t.Errorf("applied: staging %v, lab %v", fc.appl["staging"].applied, fc.appl["lab"].applied)
	}
}

func selectFleetRow(t *testing.T, a *App, cluster, name string) {
	t.Helper()
	for i, r := range a.table.rows {
		if !r.header && r.res.Cluster == cluster && r.res.Name == name {
			a.table.cursor = i
			a.table.clamp()
			return
		}
	}
	t.Fatalf("no row %s in %s:\n%s", name, cluster, screen(a))
}

// TestCtxSwitch: :ctx NAME replaces the cluster on screen, as k9s's: an
// unknown name is a one-line error and the data stays; a known one says
// "syncing" under its context and server until its feed lists, the feed
// left is stopped, and from then on p probes there.
func TestCtxSwitch(t *testing.T) {
	fc := newFakeContexts(t)
	stopped := new(bool)
	a := contextsApp(t, fc, 120, 40, stopped)
	before := a.session.report()

	if cmd := command(a, "ctx nope"); cmd != nil {
		t.Error(":ctx nope started something")
	}
	if got := a.chrome.notice; got != "unknown context nope (the kubeconfig has gone, lab, staging)" || a.session.report() != before || *stopped {
		t.Fatalf("unknown context: notice %q, data kept %v, feed stopped %v", got, a.session.report() == before, *stopped)
	}

	// A context that cannot be reached: said, and the data stays.
	runCmd(a, command(a, "ctx gone"))
	if !strings.HasPrefix(a.chrome.notice, "cannot switch to context gone: Get") || a.session.report() != before {
		t.Fatalf("an unreachable context: notice %q", a.chrome.notice)
	}

	cmd := command(a, "ctx staging")
	if !strings.Contains(screen(a), "switching to context staging…") {
		t.Fatalf("no switching notice:\n%s", screen(a))
	}
	_, next := a.Update(cmd())
	if got := screen(a); !strings.Contains(got, "ctx staging") || !strings.Contains(got, "https://staging:6443") || !strings.Contains(got, "syncing…") {
		t.Fatalf("after the switch:\n%s", got)
	}
	runCmd(a, next) // stops the lab's feed, takes staging's first snapshot
	if !*stopped {
		t.Error("the lab's feed was not stopped")
	}
	if n := len(a.table.results); n != len(fc.snaps["staging"].Inventory.Workloads) || strings.Contains(screen(a), "CLUSTER") {
		t.Fatalf("staging's %d rows, CLUSTER shown:\n%s", n, screen(a))
	}
	selectFleetRow(t, a, "", "support-agent-0")
	runCmd(a, pressCmd(a, "p"))
	if want := []string{"staging agents/support-agent-0"}; !slices.Equal(fc.probed, want) {
		t.Errorf("probes %v, want %v", fc.probed, want)
	}
}

// TestCtxLatestRequestWins: a context's feed that opens after a later
// :ctx is stopped unseen.
func TestCtxLatestRequestWins(t *testing.T) {
	fc := newFakeContexts(t)
	a := contextsApp(t, fc, 120, 40, new(bool))
	slow := command(a, "ctx staging")
	fast := command(a, "ctx lab")
	if fast != nil {
		t.Fatal(":ctx lab on the lab opened a feed")
	}
	_, stop := a.Update(slow())
	runCmd(a, stop)
	if got := fc.stops(); !slices.Equal(got, []string{"staging"}) || a.session.src.context != "lab" {
		t.Errorf("stopped %v, on %q", got, a.session.src.context)
	}
}

// TestCtxLeavesTheFleet: :ctx NAME from the fleet stops every member and
// shows one cluster again, without CLUSTER.
func TestCtxLeavesTheFleet(t *testing.T) {
	a, fc, _ := fleetApp(t, 120, 40)
	runCmd(a, command(a, "ctx lab"))
	if a.session.fleet != nil || strings.Contains(screen(a), "CLUSTER") {
		t.Fatalf("still the fleet:\n%s", screen(a))
	}
	if got := fc.stops(); !slices.Contains(got, "lab") || !slices.Contains(got, "staging") {
		t.Errorf("members stopped %v", got)
	}
	if got := screen(a); !strings.Contains(got, "ctx lab") {
		t.Errorf("header:\n%s", got)
	}
}

// TestCommandLineCompletesContexts: tab completes :ctx with the
// kubeconfig's contexts.
func TestCommandLineCompletesContexts(t *testing.T) {
	a := contextsApp(t, newFakeContexts(t), 120, 30, new(bool))
	press(a, ":")
	typeText(a, "ctx st")
	press(a, "tab")
	if got := a.input.model.Value(); got != "ctx staging" {
		t.Errorf("tab after \"ctx st\" gives %q", got)
	}
	press(a, "esc", ":")
	typeText(a, "ctx a")
	press(a, "tab")
	if got := a.input.model.Value(); got != "ctx all" {
		t.Errorf("tab after \"ctx a\" gives %q", got)
	}
}

// TestFleetDropsALateMember: a member that answers after
// the fleet was left is stopped, and its snapshots are dropped.
func TestFleetDropsALateMember(t *testing.T) {
	fc := newFakeContexts(t)
	a := contextsApp(t, fc, 120, 40, new(bool))
	cmd := command(a, "ctx all")
	runCmd(a, command(a, "ctx lab")) // leaves the fleet before its members answer
	runCmd(a, cmd)
	if a.session.fleet != nil {
		t.Fatal("a late member brought the fleet back")
	}
	if got := fc.stops(); !slices.Contains(got, "staging") {
		t.Errorf("the late staging member was not stopped: %v", got)
	}
	if strings.Contains(screen(a), "CLUSTER") {
		t.Errorf("CLUSTER after leaving the fleet:\n%s", screen(a))
	}
}

// TestFleetFromTheStart: Config.Fleet (--contexts) opens the fleet at
// once, without the current context's feed; when no context answers the
// table says so rather than that the scope is empty.
func TestFleetFromTheStart(t *testing.T) {
	for _, tc := range []struct {
		fleet       []string
		header, say string
	}{
		{[]string{"gone", "staging"}, "1 synced · 1 unreachable (i)", "staging"},
		{[]string{"gone"}, "0 synced · 1 unreachable (i)", "no context could be reached (i says why for each)"},
	} {
		fc := newFakeContexts(t)
		a := New(Config{Scope: "all namespaces", Contexts: []string{"gone", "lab", "staging"}, OpenContext: fc.open, Fleet: tc.fleet,
			Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
		a.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
		runCmd(a, a.Init())
		got := screen(a)
		if !strings.Contains(got, "ctx all ("+itoa(len(tc.fleet))+")") || !strings.Contains(got, tc.header) || !strings.Contains(got, tc.say) {
			t.Errorf("%v:\n%s", tc.fleet, got)
		}
		if a.ConnectError() != nil {
			t.Errorf("%v: a connect error %v: the fleet says each cluster's state itself", tc.fleet, a.ConnectError())
		}
	}
}

// TestCtxWithoutContexts: :ctx on files, or with a kubeconfig without
// contexts, says why nothing happens; :ctx alone lists the contexts.
func TestCtxWithoutContexts(t *testing.T) {
	a := loaded(t, examplePlatform(t), 120, 30)
	if cmd := command(a, "ctx lab"); cmd != nil || !strings.Contains(a.chrome.notice, "files have none") {
		t.Errorf("files: %q", a.chrome.notice)
	}
	a.session.src.openContext = newFakeContexts(t).open
	if cmd := command(a, "ctx all"); cmd != nil || a.chrome.notice != "the kubeconfig has no context to switch to" {
		t.Errorf("no contexts: %q", a.chrome.notice)
	}
	b := contextsApp(t, newFakeContexts(t), 200, 30, new(bool))
	if cmd := command(b, "ctx"); cmd != nil || !strings.Contains(b.chrome.notice, "contexts: gone, lab, staging (on screen: lab)") {
		t.Errorf(":ctx alone: %q", b.chrome.notice)
	}
}

// TestQueuedProbesStayInTheirCluster: P queues the pods on screen; those
// still waiting when :ctx opens another cluster are probed in their own
// (the probe was chosen with its row), never in the one now on screen.
func TestQueuedProbesStayInTheirCluster(t *testing.T) {
	a, fc, _ := fleetApp(t, 120, 40)
	probes := pressCmd(a, "P")
	if len(a.session.probes.queue) == 0 {
		t.Fatalf("P queued nothing beyond the first %d: notice %q", probesAtOnce, a.chrome.notice)
	}
	cmd := command(a, "ctx staging")
	_, next := a.Update(cmd())
	runCmd(a, next)
	run(a, probes) // the first probes land; the queued ones start
	if len(fc.probed) <= probesAtOnce {
		t.Fatalf("queued probes not run: %v", fc.probed)
	}
	for _, p := range fc.probed {
		cluster, _, _ := strings.Cut(p, " ")
		// staging's pods carry UIDs staging- and run the agents only;
		// a lab row probed through staging's tools reads another pod.
		if cluster == "staging" && !strings.Contains(p, "agents/") {
			t.Errorf("a lab pod probed in staging: %s (all: %v)", p, fc.probed)
		}
	}
}
