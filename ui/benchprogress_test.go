package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/bench"
)

func TestBenchProgress(t *testing.T) {
	start := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	cancels := 0
	targets := []bench.Target{{Name: "runc"}, {Name: "kata-qemu", Class: "kata-qemu"}, {Name: "kata-fc", Class: "kata-fc", Skip: "TG-SCH-001: no node"}}
	m := NewBenchProgress(targets, 4+2, start, func() { cancels++ })
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	ok := bench.Timeline{Created: start, Scheduled: start.Add(10 * time.Millisecond), ContainersReady: start.Add(1010 * time.Millisecond)}
	for range 6 {
		m.Update(BenchPodMsg{Target: "runc", Timeline: ok})
	}
	m.Update(BenchPodMsg{Target: "kata-qemu", Timeline: bench.Timeline{Failure: "image pull: ErrImagePull"}})
	m.Update(BenchPodMsg{Target: "kata-qemu", Timeline: ok})
	m.Update(benchTickMsg(start.Add(16 * time.Second)))
	got := m.View().Content
	golden(t, "bench-progress-80x24", got)
	// 8 of 12 pods in 16s: 2s each, 4 left.
	if !strings.Contains(got, "8/12 pods · elapsed 16s · about 8s left") || strings.Contains(got, "kata-fc") {
		t.Errorf("%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if lipgloss.Width(line) > 80 {
			t.Errorf("wider than 80: %q", line)
		}
	}
	// ctrl+c stops the bench once, and the view says it cleans up.
	m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if cancels != 1 || !m.Stopping() || !strings.Contains(m.View().Content, "stopping…") {
		t.Errorf("cancels %d: %s", cancels, m.View().Content)
	}
	m.Update(BenchCleaningMsg{Namespace: "tiergate-bench"})
	if !strings.Contains(m.View().Content, "cleaning up: deleting namespace tiergate-bench…") {
		t.Errorf("%s", m.View().Content)
	}
	if _, cmd := m.Update(BenchDoneMsg{}); cmd == nil {
		t.Error("done must quit")
	}
}

// The steady pod's stage shows on its row, cut to the width, until the
// pod is done; it is not counted as a pod.
func TestBenchProgressStage(t *testing.T) {
	start := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	m := NewBenchProgress([]bench.Target{{Name: "gvisor", Class: "gvisor"}}, 2, start, nil)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(BenchPodMsg{Target: "gvisor", Timeline: bench.Timeline{Created: start, ContainersReady: start.Add(time.Second)}})
	m.Update(BenchPodMsg{Target: "gvisor", Stage: "vLLM ready in 41.2s; load: 100 prompts, 8 at a time, and a great deal more said here"})
	got := m.View().Content
	golden(t, "bench-progress-stage-80x24", got)
	if !strings.Contains(got, "1/2 pods") || !strings.Contains(got, "vLLM ready in 41.2s") || !strings.Contains(got, "…") {
		t.Errorf("%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if lipgloss.Width(line) > 80 {
			t.Errorf("wider than 80: %q", line)
		}
	}
	m.Update(BenchPodMsg{Target: "gvisor", Mode: "steady", Timeline: bench.Timeline{Created: start, ContainersReady: start.Add(2 * time.Second)}})
	if got := m.View().Content; strings.Contains(got, "load:") || !strings.Contains(got, "2/2 pods") {
		t.Errorf("the stage outlived the pod: %s", got)
	}
}

// A steady pod that will not start (nothing to measure) leaves the total.
func TestBenchProgressSkippedSteady(t *testing.T) {
	start := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	m := NewBenchProgress([]bench.Target{{Name: "runc"}}, 3, start, nil)
	for range 2 {
		m.Update(BenchPodMsg{Target: "runc", Timeline: bench.Timeline{Created: start, ContainersReady: start.Add(time.Second)}})
	}
	m.Update(BenchPodMsg{Target: "runc", Mode: "steady", Skipped: true})
	if got := m.View().Content; !strings.Contains(got, "2/2 pods") {
		t.Errorf("%s", got)
	}
}
