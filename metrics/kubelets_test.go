package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// countingNodes answers each node's Summary API with one pod of RSS
// 1 MiB × the number of times that node was read, and records the reads.
type countingNodes struct {
	mu    sync.Mutex
	reads map[string]int
	order []string
}

func (n *countingNodes) Summary(_ context.Context, node string) ([]byte, error) {
	n.mu.Lock()
	n.reads[node]++
	n.order = append(n.order, node)
	rss := uint64(n.reads[node]) << 20
	n.mu.Unlock()
	s := statsv1alpha1.Summary{Pods: []statsv1alpha1.PodStats{{
		PodRef:     statsv1alpha1.PodReference{Namespace: "ns", Name: "pod-" + node},
		Containers: []statsv1alpha1.ContainerStats{{Name: "c", Memory: &statsv1alpha1.MemoryStats{RSSBytes: &rss}}},
	}}}
	return json.Marshal(s)
}

func (n *countingNodes) CAdvisor(context.Context, string) ([]byte, string, error) {
	return nil, "", fmt.Errorf("not used")
}

// TestKubeletsTakeTurns: a collection reads at most Options.Kubelets
// nodes, those read longest ago first; the other nodes' pods keep their
// last figure with when it was read, or wait their turn; Measure reads
// every node.
func TestKubeletsTakeTurns(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1700000000, 0)}
	nodes := &countingNodes{reads: map[string]int{}}
	c := NewCollector(Sources{Nodes: nodes}, Options{Kubelets: 2, Now: clock.Now})
	var targets []Target
	for _, n := range []string{"n1", "n2", "n3", "n4", "n5"} {
		targets = append(targets, Target{PodKey: PodKey{"ns", "pod-" + n}, Node: n, Running: true})
	}
	rss := func(s *Snapshot, node string) (mib float64, at *time.Time, why string) {
		p := s.Pods[PodKey{"ns", "pod-" + node}]
		if p.RSSBytes == nil {
			return 0, nil, p.Why[FigureRSS]
		}
		return *p.RSSBytes / (1 << 20), p.RSSAt, ""
	}

	t0 := clock.Now()
	s1 := c.Collect(context.Background(), targets, nil)
	if got := (KubeletReads{Read: 2, Nodes: 5}); s1.Kubelets != got {
		t.Errorf("first collection read %+v, want %+v", s1.Kubelets, got)
	}
	if v, at, _ := rss(s1, "n1"); v != 1 || at != nil {
		t.Errorf("n1 read now: %v MiB at %v, want 1 MiB and no carried time", v, at)
	}
	if _, _, why := rss(s1, "n5"); why != WhyQueued {
		t.Errorf("n5 not read yet: why %q, want %q", why, WhyQueued)
	}

	clock.Add(5 * time.Second)
	s2 := c.Collect(context.Background(), targets, nil)
	if v, at, _ := rss(s2, "n1"); v != 1 || at == nil || !at.Equal(t0) {
		t.Errorf("n1 carried over: %v MiB at %v, want 1 MiB read at %v", v, at, t0)
	}
	if s2.Kubelets.Oldest != t0 {
		t.Errorf("oldest carried figure read at %v, want %v", s2.Kubelets.Oldest, t0)
	}
	clock.Add(5 * time.Second)
	c.Collect(context.Background(), targets, nil) // n5, then n1 (read longest ago)
	clock.Add(5 * time.Second)
	s4 := c.Collect(context.Background(), targets, nil)
	if want := []string{"n1", "n2", "n3", "n4", "n1", "n5", "n2", "n3"}; !sameTurns(nodes.order, want) {
		t.Errorf("reads in the order %v, want %v (pairs in any order)", nodes.order, want)
	}
	if v, _, _ := rss(s4, "n1"); v != 2 {
		t.Errorf("n1 after its second read: %v MiB, want 2", v)
	}

	// A pod new on a node whose reading is carried over waits its turn.
	newcomer := Target{PodKey: PodKey{"ns", "late-on-n5"}, Node: "n5", Running: true}
	s5 := c.Collect(context.Background(), append(targets, newcomer), nil)
	if p := s5.Pods[newcomer.PodKey]; p.RSSBytes != nil || p.Why[FigureRSS] != WhyQueued {
		t.Errorf("a pod newer than its node's carried reading: %v, why %q; want queued", p.RSSBytes, p.Why[FigureRSS])
	}

	// A node whose pods left the scope is forgotten; a one-shot Measure
	// reads every node.
	m := c.Measure(context.Background(), targets[:3], nil, time.Millisecond)
	if m.Kubelets.Read != 3 || m.Kubelets.Nodes != 3 || !m.Kubelets.Oldest.IsZero() {
		t.Errorf("Measure read %+v, want all 3 nodes and nothing carried", m.Kubelets)
	}
	c.state.Lock()
	_, kept := c.nodes["n5"]
	c.state.Unlock()
	if kept {
		t.Error("n5 has no pod in scope any more, but its reading is kept")
	}
}

// sameTurns compares reads two at a time (a collection's two reads run
// concurrently, in either order).
func sameTurns(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := 0; i < len(got); i += 2 {
		g, w := slices.Clone(got[i:min(i+2, len(got))]), slices.Clone(want[i:min(i+2, len(want))])
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			return false
		}
	}
	return true
}
