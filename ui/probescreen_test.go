package ui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
)

// TestProbeScreenKey: P probes the pods on screen whose RuntimeClass
// claims more than their node's kernel, probesAtOnce at a time; each
// verdict is kept and audited, until every one has landed.
func TestProbeScreenKey(t *testing.T) {
	p := &fakeProber{}
	a := loadedProbing(t, p, 160, 48)
	want := 0
	for _, r := range a.table.onScreen() {
		if audit.ClaimsMoreThanNode(r) {
			want++
		}
	}
	if want <= probesAtOnce {
		t.Fatalf("the fixture shows %d pods that claim a sandbox; the test needs more than %d", want, probesAtOnce)
	}
	_, cmd := a.Update(keyMsg("P"))
	if !strings.HasPrefix(a.chrome.notice, "probing "+itoa(want)+" pods on screen, 4 at a time") {
		t.Errorf("notice %q", a.chrome.notice)
	}
	if got := len(a.session.probes.running); got != probesAtOnce || len(a.session.probes.queue) != want-probesAtOnce {
		t.Fatalf("%d probes running and %d waiting, want %d and %d", got, len(a.session.probes.queue), probesAtOnce, want-probesAtOnce)
	}
	// P again while they run adds none of the same pods.
	if _, again := a.Update(keyMsg("P")); again != nil || !strings.HasPrefix(a.chrome.notice, "no running pod on screen") {
		t.Errorf("P again queued more: %q", a.chrome.notice)
	}
	// p on a pod P queued probes it now and takes it out of the queue:
	// never two probes of one pod.
	queued := a.session.probes.queue[0].r
	single := a.session.startProbe(queued)
	if slices.ContainsFunc(a.session.probes.queue, func(q queuedProbe) bool { return q.r.UID == queued.UID }) {
		t.Error("a pod p probes stays in P's queue")
	}
	for pending := []tea.Cmd{cmd, single}; len(pending) > 0; {
		c := pending[0]
		pending = pending[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			pending = append(pending, m...)
		case probedMsg, auditedMsg:
			if n := len(a.session.probes.running); n > probesAtOnce+1 { // P's four and p's one
				t.Fatalf("%d probes ran at once", n)
			}
			_, next := a.Update(m)
			pending = append(pending, next)
		}
	}
	if got := int(p.calls.Load()); got != want {
		t.Errorf("%d pods probed, want %d", got, want)
	}
	if len(a.session.probes.running) != 0 || len(a.session.probes.queue) != 0 {
		t.Errorf("probes left: %d running, %d waiting", len(a.session.probes.running), len(a.session.probes.queue))
	}
	if got := len(a.session.probes.byUID); got != want {
		t.Errorf("%d verdicts kept, want %d", got, want)
	}
	if !strings.Contains(screen(a), "✗") {
		t.Errorf("no kernel marked weaker than declared after the probes:\n%s", screen(a))
	}
}
