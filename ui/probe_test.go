package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/probe"
)

// fakeProber finds every pod on the node's own kernel: a kata pod's probe
// contradicts its RuntimeClass.
type fakeProber struct {
	calls atomic.Int32
	err   error
}

func (f *fakeProber) probe(_ context.Context, ns, pod, container string) (*probe.Report, error) {
	f.calls.Add(1)
	if f.err != nil {
		return nil, f.err
	}
	facts := fingerprint.Facts{Release: "6.8.0-1015-gcp", NodeKernel: "6.8.0-1015-gcp", Hypervisor: fingerprint.Present}
	return &probe.Report{Namespace: ns, Pod: pod, Container: "agent", Via: probe.ViaExec, Facts: facts, Verdict: fingerprint.Decide(facts)}, nil
}

func loadedProbing(t *testing.T, p *fakeProber, w, h int) *App {
	t.Helper()
	a := New(Config{Scope: "namespace all", Static: livePods(t), Engine: newEngine(t),
		Probe: p.probe, Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(a, a.Init())
	return a
}

// selectRow filters the table down to one pod and selects it.
func selectRow(t *testing.T, a *App, name string) {
	t.Helper()
	press(a, "/")
	typeText(a, name)
	press(a, "enter")
	for range 3 {
		if r, ok := a.table.Selected(); ok && !r.header {
			return
		}
		press(a, "j")
	}
	t.Fatalf("no row for %s:\n%s", name, screen(a))
}

// runProbe presses p and delivers the probe and the audit that follows.
func runProbe(t *testing.T, a *App) {
	t.Helper()
	_, cmd := a.Update(keyMsg("p"))
	if cmd == nil {
		t.Fatalf("p started nothing: %s", a.chrome.notice)
	}
	if !strings.HasPrefix(a.chrome.notice, "probing ") {
		t.Errorf("notice %q while probing", a.chrome.notice)
	}
	msg := cmd()
	if _, ok := msg.(probedMsg); !ok {
		t.Fatalf("p ran %T", msg)
	}
	_, next := a.Update(msg)
	drive(a, next)
}

// TestProbeKeyMarksKernel: p probes the selected pod off the UI goroutine,
// the verdict is kept for the session and the data on screen is audited
// again: the kernel cell says ✗ shared and TG-ISO-005 is the worst finding.
func TestProbeKeyMarksKernel(t *testing.T) {
	p := &fakeProber{}
	a := loadedProbing(t, p, 160, 48)
	selectRow(t, a, "support-agent-0")
	runProbe(t, a)
	if p.calls.Load() != 1 {
		t.Fatalf("%d probes", p.calls.Load())
	}
	r := a.table.Find("uid-agents-support-agent")
	if r == nil || r.Probed == nil || kernelCell(r) != "✗ shared" {
		t.Fatalf("after the probe: %+v", r)
	}
	if w := r.Worst(); w == nil || w.Rule != "TG-ISO-005" {
		t.Errorf("worst finding %+v", w)
	}
	if !strings.Contains(a.chrome.notice, "probed agents/support-agent-0: shared-kernel") {
		t.Errorf("notice %q", a.chrome.notice)
	}
	golden(t, "probe-main-160x48", screen(a))
	press(a, "enter")
	golden(t, "probe-detail-160x48", screen(a))

	// A new snapshot keeps the session's probe.
	snap := livePods(t)
	snap.Generation = 2
	_, cmd := a.Update(snapshotMsg{snap: snap})
	drive(a, cmd)
	if r := a.table.Find("uid-agents-support-agent"); r == nil || r.Probed == nil || a.session.data.gen != 2 {
		t.Errorf("generation 2 lost the probe: %+v", r)
	}
}

func TestProbeKeyRefusals(t *testing.T) {
	// Files: no cluster to probe.
	a := loaded(t, examplePlatform(t), 160, 48)
	selectRow(t, a, "support-agent")
	if _, cmd := a.Update(keyMsg("p")); cmd != nil || !strings.Contains(a.chrome.notice, "probes need a live cluster") {
		t.Errorf("files: notice %q", a.chrome.notice)
	}
	// A failing probe says why on one line and keeps nothing.
	p := &fakeProber{err: errors.New("container \"agent\" of pod agents/support-agent-0 has no cat (a distroless or scratch image): probe it with --probe-image IMAGE\nsecond line")}
	a = loadedProbing(t, p, 160, 48)
	selectRow(t, a, "support-agent-0")
	_, cmd := a.Update(keyMsg("p"))
	_, next := a.Update(cmd())
	if next != nil || !strings.Contains(a.chrome.notice, "has no cat") || strings.Contains(a.chrome.notice, "\n") || len(a.session.probes.byUID) != 0 || len(a.session.probes.running) != 0 {
		t.Errorf("failed probe: notice %q, probes %v, probing %v", a.chrome.notice, a.session.probes.byUID, a.session.probes.running)
	}
	// A second p while the first runs does not start another.
	a.Update(keyMsg("p"))
	if _, cmd := a.Update(keyMsg("p")); cmd != nil || !strings.Contains(a.chrome.notice, "already probing") {
		t.Errorf("second p: %q", a.chrome.notice)
	}
}

// A probe that lands while a newer snapshot is being audited (with the
// probes as they were) is audited again once that audit ends.
func TestProbeLandingDuringAnAudit(t *testing.T) {
	p := &fakeProber{}
	a := loadedProbing(t, p, 160, 48)
	selectRow(t, a, "support-agent-0")
	_, probeCmd := a.Update(keyMsg("p"))
	gen2 := livePods(t)
	gen2.Generation = 2
	_, auditing := a.Update(snapshotMsg{snap: gen2})
	if !a.session.data.auditing || auditing == nil {
		t.Fatal("the new snapshot's audit did not start")
	}
	if _, cmd := a.Update(probeCmd()); cmd != nil {
		t.Fatal("a second audit started while one runs")
	}
	drive(a, auditing) // generation 2 without the probe, then again with it
	r := a.table.Find("uid-agents-support-agent")
	if a.session.data.gen != 2 || r == nil || r.Probed == nil || a.session.data.auditing {
		t.Fatalf("shown %d, auditing %v, result %+v", a.session.data.gen, a.session.data.auditing, r)
	}
}

// After a namespace switch, a probe that lands does not bring back the
// old feed's data; the new feed's first audit includes it.
func TestProbeAcrossANamespaceSwitch(t *testing.T) {
	p := &fakeProber{}
	a := loadedProbing(t, p, 160, 48)
	selectRow(t, a, "support-agent-0")
	_, probeCmd := a.Update(keyMsg("p"))
	a.session.src.openSeq++
	feed := make(chan *cluster.Snapshot)
	close(feed) // the test hands the snapshot over itself
	a.Update(feedOpenedMsg{seq: a.session.src.openSeq, namespace: "agents", feed: &Feed{Snapshots: feed, Scope: "namespace agents", Stop: func() {}}})
	if _, cmd := a.Update(probeCmd()); cmd != nil || a.session.data.report != nil {
		t.Fatalf("the probe audited the old feed's data after the switch")
	}
	_, cmd := a.Update(snapshotMsg{snap: livePods(t), epoch: a.session.src.epoch})
	drive(a, cmd)
	if r := a.table.Find("uid-agents-support-agent"); r == nil || r.Probed == nil || a.session.data.gen != 1 {
		t.Fatalf("the new feed's audit lacks the probe: %+v", r)
	}
}

// Text from inside a container never reaches the screen raw.
func TestProbeErrorIsPrintable(t *testing.T) {
	p := &fakeProber{err: errors.New("cat: \x1b[2J\x1b[Hforged")}
	a := loadedProbing(t, p, 160, 48)
	selectRow(t, a, "support-agent-0")
	_, cmd := a.Update(keyMsg("p"))
	a.Update(cmd())
	if strings.ContainsRune(a.chrome.notice, '\x1b') || !strings.Contains(a.chrome.notice, "forged") {
		t.Fatalf("notice %q", a.chrome.notice)
	}
}

// A pod probed through an ephemeral container is not probed that way
// again: each such probe leaves a container in the pod's spec.
func TestNoSecondEphemeralProbe(t *testing.T) {
	p := &fakeProber{}
	a := loadedProbing(t, p, 160, 48)
	selectRow(t, a, "support-agent-0")
	a.session.probes.byUID = map[string]audit.Probed{"uid-agents-support-agent": {Via: probe.ViaEphemeral}}
	if _, cmd := a.Update(keyMsg("p")); cmd != nil || !strings.Contains(a.chrome.notice, "through an ephemeral container; not adding another") {
		t.Errorf("second ephemeral probe: notice %q", a.chrome.notice)
	}
	if p.calls.Load() != 0 {
		t.Errorf("%d probes ran", p.calls.Load())
	}
}
