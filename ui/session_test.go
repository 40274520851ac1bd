package ui

import (
	"errors"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
)

// TestSessionAlone drives the session without the App or a view: a
// snapshot is audited and announced; an older generation's audit is
// dropped; the header's state follows.
func TestSessionAlone(t *testing.T) {
	out := &outbox{}
	s := newSession(Config{Scope: "files x", Static: examplePlatform(t), Engine: newEngine(t), Now: func() time.Time { return fixedTime }}, out)
	if st, _ := s.headerState(); st != "syncing…" {
		t.Fatalf("state %q before data", st)
	}
	auditing := s.Update(s.Init()())
	if auditing == nil || !s.data.auditing {
		t.Fatal("the snapshot started no audit")
	}
	s.Update(auditing())
	got := out.take()
	if len(got) != 1 {
		t.Fatalf("asked %v", got)
	}
	if m, ok := got[0].(reportMsg); !ok || m.rep.Summary.Workloads != 30 || len(m.entries) != 30 {
		t.Fatalf("announced %+v", got[0])
	}
	if st, bad := s.headerState(); st != "synced 10:00:00" || bad {
		t.Errorf("state %q (bad %v)", st, bad)
	}
	if text, waiting := s.emptyReason(); waiting || text != "no pod-bearing workloads in scope (files x)" {
		t.Errorf("empty reason %q (waiting %v)", text, waiting)
	}
	// An audit of an older generation is dropped, unannounced.
	s.Update(auditedMsg{gen: 0, rep: &audit.Report{}})
	if len(out.take()) != 0 || s.report().Summary.Workloads != 30 {
		t.Error("an older audit replaced the one on screen")
	}
}

// TestSessionFeedSwitchAlone: :ns outside the feed's scope opens a feed
// (announced), a failure is said, and the data goes with the old feed.
func TestSessionFeedSwitchAlone(t *testing.T) {
	out := &outbox{}
	feeds := &fakeFeeds{opened: map[string]chan *cluster.Snapshot{}}
	ch := make(chan *cluster.Snapshot, 1)
	s := newSession(Config{Scope: "namespace team-01", Namespace: "team-01", Snapshots: ch, Open: feeds.open, Engine: newEngine(t), Now: time.Now}, out)
	ch <- &cluster.Snapshot{Generation: 1, Synced: true, Inventory: synth.Cluster(10, false), Time: fixedTime}
	runSession(s, s.Init())
	out.take()
	if s.report() == nil {
		t.Fatal("no report")
	}
	if s.openNamespace("team-01") != nil || s.namespaceFilter("team-01") != "" {
		t.Error("the feed's own namespace opened a feed or filtered")
	}
	cmd := s.openNamespace("team-02")
	if got := out.take(); cmd == nil || len(got) != 1 || got[0] != (noticeMsg{text: "switching to namespace team-02…"}) {
		t.Fatalf("asked %v", got)
	}
	epoch := s.src.epoch
	s.Update(cmd())
	if got := out.take(); len(got) != 1 || got[0] != (feedSwitchedMsg{}) {
		t.Fatalf("asked %v", got)
	}
	if s.report() != nil || s.src.epoch != epoch+1 || s.src.scope != "namespace team-02" {
		t.Errorf("after the switch: report %v, epoch %d, scope %q", s.report() != nil, s.src.epoch, s.src.scope)
	}
	feeds.fail = errors.New("forbidden")
	s.Update(s.openNamespace("team-03")())
	if got := out.take(); len(got) != 2 || got[1] != (noticeMsg{text: "cannot switch to namespace team-03: forbidden"}) {
		t.Errorf("asked %v", got)
	}
}

// runSession runs the session's commands until none is left (feeds that
// have nothing more are skipped).
func runSession(s *session, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				runSession(s, c)
			}
			return
		}
		if msg != nil {
			runSession(s, s.Update(msg))
		}
	case <-time.After(200 * time.Millisecond):
	}
}
