package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestFixAlone drives the fix view without the App: it computes a fix on
// the engine it was given, drops an older request's answer, and asks
// the root to go back; without an applier it says how to apply instead.
func TestFixAlone(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	f := newFixView(&st, out, fixDeps{engine: newEngine(t), now: func() time.Time { return fixedTime }})
	f.SetSize(120, 200)
	inv, rep := exampleAudit(t)
	first, ok := f.Start(workload(t, rep, "research-agent"), inv, rep, Tools{})
	if !ok || first == nil || !strings.Contains(ansi.Strip(f.View()), "computing the fix") {
		t.Fatalf("start: %v\n%s", ok, f.View())
	}
	second, _ := f.Start(workload(t, rep, "openhands"), inv, rep, Tools{})
	ask(f, out, first()) // research-agent's, superseded
	if f.stage != fixComputing {
		t.Fatalf("the older request's fix was shown (stage %v)", f.stage)
	}
	ask(f, out, second())
	v := ansi.Strip(f.View())
	if f.stage != fixShown || !strings.Contains(v, "FIX  Deployment/code-sandbox/openhands") || !strings.Contains(v, "LEFT TO A HUMAN") {
		t.Fatalf("stage %v:\n%s", f.stage, v)
	}
	if f.Status() != "esc back · ↑/↓ scroll" || f.Question() != "" || f.Busy() {
		t.Errorf("status %q, question %q, busy %v", f.Status(), f.Question(), f.Busy())
	}
	if got := askKeys(f, out, "a"); len(got) != 1 || !strings.Contains(got[0].(noticeMsg).text, "apply needs a live cluster") {
		t.Errorf("a on files asked %v", got)
	}
	// n only answers the apply question: with none asked it does nothing.
	if got := askKeys(f, out, "n", "y", "o", "j"); len(got) != 0 {
		t.Errorf("n y o j without a question asked %v", got)
	}
	if got := askKeys(f, out, "esc"); len(got) != 1 || got[0] != (showViewMsg{view: viewDetail}) {
		t.Errorf("esc asked %v", got)
	}
}

// TestFixAloneWithoutAnEngine: no engine, no fix, and it says so.
func TestFixAloneWithoutAnEngine(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	f := newFixView(&st, out, fixDeps{now: time.Now})
	inv, rep := exampleAudit(t)
	cmd, ok := f.Start(workload(t, rep, "research-agent"), inv, rep, Tools{})
	if ok || cmd != nil {
		t.Fatal("a fix started without an engine")
	}
	if got := out.take(); len(got) != 1 || got[0] != (noticeMsg{text: "fixes are not available here"}) {
		t.Errorf("asked %v", got)
	}
}

// TestFixDuringAnAudit: a fix and an audit run at once on the one shared
// engine (the race detector watches this test).
func TestFixDuringAnAudit(t *testing.T) {
	e := newEngine(t)
	st, out := NewStyles(), &outbox{}
	f := newFixView(&st, out, fixDeps{engine: e, now: func() time.Time { return fixedTime }})
	f.SetSize(120, 40)
	snap := examplePlatform(t)
	inv, rep := exampleAudit(t)
	fix, _ := f.Start(workload(t, rep, "research-agent"), inv, rep, Tools{})
	audited := make(chan tea.Msg)
	go func() { audited <- auditSnapshot(e, snap, nil, 0, 0, fixedTime)() }()
	ask(f, out, fix())
	if m, ok := (<-audited).(auditedMsg); !ok || m.rep.Summary.Workloads != 30 {
		t.Fatalf("the audit beside the fix: %+v", m)
	}
	if f.stage != fixShown || f.err != nil {
		t.Fatalf("the fix beside the audit: stage %v, %v", f.stage, f.err)
	}
}
