package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
)

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
