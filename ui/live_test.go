package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/policy"
)

// statusApp is a live view of 60 synthetic pods, some Pending, some
// crash-looping, as a cluster's informers hand them over.
func statusApp(t *testing.T, w, h int) *App {
	t.Helper()
	a := liveApp(t, w, h)
	send(a, 1, synth.Cluster(60, false), nil)
	return a
}

// TestLiveTableShowsStatus pins the live table with its STATUS column and
// the pinned group at 80x24, 160x48 and 200x50 (where STATUS gives the
// reason in words): a pod that is not running says so on the first
// screen, and so does the worst workload.
func TestLiveTableShowsStatus(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}, {statusWide + 20, 50}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			a := statusApp(t, w, h)
			s := screen(a)
			for _, want := range []string{"STATUS", "Running", "Pending", "▾ CRITICAL OR BELOW TIER"} {
				if !strings.Contains(s, want) {
					t.Errorf("screen lacks %q", want)
				}
			}
			if w >= statusWide && !strings.Contains(s, "Pending: Unschedulable") {
				t.Error("a wide screen says why a pod is Pending")
			}
			// The first workload row is the worst: a critical one.
			if r := a.table.rows[1]; r.header || r.res.Verdict != audit.VerdictCritical {
				t.Errorf("first row is %+v, want a critical workload", r)
			}
			golden(t, fmt.Sprintf("live-status-%dx%d", w, h), s)
		})
	}
}

// TestCriticalsOnTheFirstScreen: however many healthy code runners sort
// before it, a critical inference pod is on the first screen at 80x24.
func TestCriticalsOnTheFirstScreen(t *testing.T) {
	a := liveApp(t, 80, 24)
	inv := synth.Cluster(400, false)
	var crit *audit.Workload
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		if c := w.Templates[0].Spec.Containers[0]; c.Name == "tgi" && crit == nil {
			// Privileged: a critical finding on an inference pod.
			spec := w.Templates[0].Spec.DeepCopy()
			spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
			w.Templates[0].Spec = spec
			w.Name = "zzz-critical-tgi"
			crit = w
		}
	}
	send(a, 1, inv, nil)
	r := a.session.data.report.Workload("Pod", crit.Namespace, crit.Name)
	if r == nil || r.Type != policy.Inference || r.Verdict != audit.VerdictCritical {
		t.Fatalf("the fixture is not a critical inference pod: %+v", r)
	}
	if s := screen(a); !strings.Contains(s, "zzz-critical-tgi") {
		t.Fatalf("the critical pod is not on the first screen:\n%s", s)
	}
}

func TestPendingPodDetailSaysWhy(t *testing.T) {
	a := statusApp(t, 80, 24)
	press(a, "/")
	typeText(a, "00005") // synth's pod 5 is left unscheduled
	press(a, "enter", "enter")
	s := screen(a)
	for _, want := range []string{"STATUS  Pending: Unschedulable", "the scheduler left it unscheduled: 0/200 nodes", "0/2 containers ready"} {
		if !strings.Contains(s, want) {
			t.Errorf("the detail lacks %q:\n%s", want, s)
		}
	}
	golden(t, "live-pending-detail-80x24", s)
}

func TestNamespaceSwitchUpdatesHeaderCounts(t *testing.T) {
	a := statusApp(t, 120, 30)
	if s := screen(a); !strings.Contains(s, "60 workloads:") {
		t.Fatalf("header before :ns:\n%s", s)
	}
	press(a, ":")
	typeText(a, "ns team-05")
	press(a, "enter")
	want := 0
	counts := map[audit.Verdict]int{}
	for _, r := range a.session.data.report.Workloads {
		if r.Namespace == "team-05" {
			want++
			counts[r.Verdict]++
		}
	}
	header := strings.Split(screen(a), "\n")[1]
	if !strings.HasPrefix(header, fmt.Sprintf("%d workloads: %d critical · %d below tier · %d to harden · %d ok", want,
		counts[audit.VerdictCritical], counts[audit.VerdictBelowTier], counts[audit.VerdictFindings], counts[audit.VerdictOK])) {
		t.Fatalf("header after :ns team-05 (%d workloads): %q", want, header)
	}
}

func TestStatusLineKeepsTheHelpHint(t *testing.T) {
	a := statusApp(t, 80, 24)
	a.chrome.notice = "memory: kubelets are not reachable through the API server's node proxy (proxy refused); " + strings.Repeat("and more ", 20)
	last := strings.Split(screen(a), "\n")[23]
	if !strings.HasSuffix(strings.TrimRight(last, " "), "? help") || !strings.HasPrefix(last, "memory: kubelets") {
		t.Fatalf("status line %q", last)
	}
	a.chrome.notice = ""
	a.session.data.err = errors.New(strings.Repeat("x", 200))
	if last := strings.Split(screen(a), "\n")[23]; !strings.HasSuffix(strings.TrimRight(last, " "), "? help") {
		t.Fatalf("status line with an error %q", last)
	}
}

// TestConnectingThenErrorInPlace opens the first feed the way the command
// line does: the header and "connecting…" show before the server answers,
// its error shows where the table will be, and the view tries again.
func TestConnectingThenErrorInPlace(t *testing.T) {
	calls := 0
	open := func(string) (*Feed, error) {
		calls++
		if calls == 1 {
			return nil, errors.New(`cannot reach the server https://10.0.0.1:6443: dial tcp 10.0.0.1:6443: i/o timeout`)
		}
		ch := make(chan *cluster.Snapshot, 1)
		ch <- &cluster.Snapshot{Generation: 1, Synced: true, Inventory: synth.Cluster(20, false), Time: fixedTime}
		close(ch) // one snapshot, then the feed ends: drive runs every command to its end
		return &Feed{Snapshots: ch, Scope: "all namespaces", Stop: func() {}}, nil
	}
	a := New(Config{Context: "prod", Server: "https://10.0.0.1:6443", Scope: "all namespaces", Open: open, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	cmd := a.Init()
	s := screen(a)
	if !strings.Contains(s, "connecting to https://10.0.0.1:6443…") || !strings.Contains(s, "connecting…") || calls != 0 {
		t.Fatalf("before the server answers (%d calls):\n%s", calls, s)
	}
	golden(t, "connecting-80x24", s)
	_, tick := a.Update(cmd()) // the failed first try
	s = screen(a)
	if !strings.Contains(s, "NOT CONNECTED") || !strings.Contains(s, "cannot connect: cannot reach the server") || !strings.Contains(s, "i/o timeout") {
		t.Fatalf("the error is not in place:\n%s", s)
	}
	if a.ConnectError() == nil {
		t.Fatal("a view that never connected reports why")
	}
	golden(t, "connect-error-80x24", s)
	if tick == nil {
		t.Fatal("no retry scheduled")
	}
	// The retry: the tick's message, then the feed it opens.
	_, retry := a.Update(reconnectMsg{seq: a.session.src.openSeq})
	_, wait := a.Update(retry())
	drive(a, wait)
	if s := screen(a); !strings.Contains(s, "20 workloads") || a.ConnectError() != nil {
		t.Fatalf("after the retry (%d calls):\n%s", calls, s)
	}
}

func TestInfoOverlayDescribesTheFigures(t *testing.T) {
	f := &fakeFigures{}
	a := loadedLive(t, f, 80, 24)
	press(a, "i")
	s := screen(a)
	n := len(a.table.figures)
	for _, want := range []string{
		"every 1ms; last read",
		fmt.Sprintf("RSS: %d of %d pods (kubelet summary %d)", n, n, n),
		"tokens/s:", "GPU use:",
		"memory: nodes/proxy is forbidden",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the overlay lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "not collected") {
		t.Errorf("the overlay contradicts the columns:\n%s", s)
	}
}

func TestDetailSortsFindingsAndWrapsProbeErrors(t *testing.T) {
	a := openWorkload(t, "openhands", 80, 200)
	s := screen(a)
	crit, high := strings.Index(s, "CRITICAL TG-"), strings.Index(s, "HIGH TG-")
	if crit < 0 || high < 0 || crit > high {
		t.Fatalf("findings not by severity (critical at %d, high at %d):\n%s", crit, high, s)
	}
	// A probe's long error is kept whole in the detail view.
	r := a.detail.res
	r.UID = "uid-openhands"
	a.detail.Show(r)
	long := "exec in container openhands: " + strings.Repeat("the kubelet refused the stream ", 8) + "END"
	a.Update(probedMsg{uid: r.UID, name: r.Namespace + "/" + r.Name, err: errors.New(long)})
	s = screen(a)
	if !strings.Contains(s, "kernel probe failed: exec in container openhands") || !strings.Contains(s, "END") {
		t.Fatalf("the probe error is cut:\n%s", s)
	}
}

// TestHelpDefinesVerdicts: at 80x24 the help scrolls to the verdicts'
// definitions without the box changing width.
func TestHelpDefinesVerdicts(t *testing.T) {
	a := statusApp(t, 80, 24)
	press(a, "?")
	first := strings.Split(screen(a), "\n")[2]
	for range 30 {
		press(a, "down")
	}
	s := screen(a)
	for _, v := range audit.Verdicts() {
		if !strings.Contains(s, v.Words()) || !strings.Contains(s, v.Meaning()[:min(20, len(v.Meaning()))]) {
			t.Errorf("help lacks the verdict %q:\n%s", v.Words(), s)
		}
	}
	if got := strings.Split(s, "\n")[2]; got != first {
		t.Errorf("the box moved while scrolling:\n%q\n%q", first, got)
	}
	press(a, "esc")
	if strings.Contains(screen(a), "verdicts") {
		t.Error("esc did not close the help")
	}
}

// TestNamespaceWhileConnecting: a :ns typed while the first connection is
// under way (a namespace within the scope, which only narrows the table)
// does not drop that connection's answer: the view still connects.
func TestNamespaceWhileConnecting(t *testing.T) {
	open := func(string) (*Feed, error) {
		ch := make(chan *cluster.Snapshot, 1)
		ch <- &cluster.Snapshot{Generation: 1, Synced: true, Inventory: synth.Cluster(20, false), Time: fixedTime}
		close(ch)
		return &Feed{Snapshots: ch, Scope: "all namespaces", Stop: func() {}}, nil
	}
	a := New(Config{Context: "prod", Server: "https://10.0.0.1:6443", Scope: "all namespaces", Open: open, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	cmd := a.Init()
	press(a, ":")
	typeText(a, "ns team-01")
	press(a, "enter")
	_, wait := a.Update(cmd())
	drive(a, wait)
	if s := screen(a); strings.Contains(s, "connecting") || a.ConnectError() != nil || !a.session.data.synced {
		t.Fatalf("a :ns while connecting kept the view from connecting:\n%s", s)
	}
}
