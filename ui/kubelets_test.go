package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/metrics"
)

// TestKubeletTurnsAreSaid: when the collector reads only some nodes'
// kubelets per reading, the info overlay says so with the oldest
// figure's age, and a pod's carried-over RSS says when it was read.
func TestKubeletTurnsAreSaid(t *testing.T) {
	at := fixedTime.Add(time.Minute)
	read := func(_ context.Context, targets, _ []metrics.Target) *metrics.Snapshot {
		v := 1.5 * (1 << 30)
		old := at.Add(-40 * time.Second)
		out := &metrics.Snapshot{At: at, Pods: map[metrics.PodKey]*metrics.Pod{},
			Kubelets: metrics.KubeletReads{Read: 2, Nodes: 7, Oldest: old}}
		for _, t := range targets {
			out.Pods[t.PodKey] = &metrics.Pod{RSSBytes: &v, RSSSource: metrics.SourceSummary, RSSAt: &old, Why: map[string]string{}}
		}
		return out
	}
	a := New(Config{Scope: "namespace all", Static: livePods(t), Engine: newEngine(t),
		Metrics: read, MetricsInterval: time.Millisecond, Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	drive(a, a.Init())
	press(a, "i")
	if got := screen(a); !strings.Contains(got, "RSS: kubelets read in turns, 2 of 7 nodes per reading; the oldest figure was read 40s before") {
		t.Errorf("the info overlay does not say the kubelets are read in turns:\n%s", got)
	}
	press(a, "esc", "enter", "enter")
	if got := screen(a); !strings.Contains(got, "memory: 1.5Gi from kubelet summary, read at 10:00:20 (kubelets are read in turns)") {
		t.Errorf("a carried-over figure's detail does not say when it was read:\n%s", got)
	}
}
