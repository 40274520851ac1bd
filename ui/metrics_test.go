package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/metrics"
)

// livePods turns the example's single-template workloads into running
// pods, as a live cluster shows them.
func livePods(t testing.TB) *cluster.Snapshot {
	t.Helper()
	snap := examplePlatform(t)
	inv := *snap.Inventory
	inv.Offline = false
	inv.Workloads = nil
	for _, w := range snap.Inventory.Workloads {
		if len(w.Templates) != 1 || w.Templates[0].Spec == nil {
			continue
		}
		p := w
		p.APIVersion, p.Kind, p.Name, p.UID = "v1", "Pod", w.Name+"-0", "uid-"+w.Namespace+"-"+w.Name
		p.Owner = &audit.Owner{Kind: w.Kind, Name: w.Name}
		p.Owners = []audit.Owner{*p.Owner}
		p.NodeName, p.Phase = "gpu-h100-h3v7", "Running"
		p.Templates = []audit.PodTemplate{{SpecPath: "spec", Labels: w.Templates[0].Labels, Spec: w.Templates[0].Spec}}
		p.Source = nil
		inv.Workloads = append(inv.Workloads, p)
	}
	return &cluster.Snapshot{Generation: 1, Synced: true, Inventory: &inv, Time: fixedTime}
}

// fakeFigures answers every reading the same way: servers serve 512
// tokens/s, GPU pods are 72% busy, every running pod has 1.5Gi RSS, and
// nodes/proxy is said to be forbidden once.
type fakeFigures struct{ reads atomic.Int32 }

func (f *fakeFigures) read(_ context.Context, targets, _ []metrics.Target) *metrics.Snapshot {
	f.reads.Add(1)
	v := func(x float64) *float64 { return &x }
	out := &metrics.Snapshot{Pods: map[metrics.PodKey]*metrics.Pod{}, Notes: []string{"memory: nodes/proxy is forbidden"}}
	for _, t := range targets {
		p := &metrics.Pod{RSSBytes: v(1.5 * (1 << 30)), RSSSource: metrics.SourceSummary, Why: map[string]string{}}
		if t.Server {
			p.Engine, p.ServingSource, p.TokensPerSecond, p.PromptTokensPerSecond, p.RequestsRunning, p.KVCacheUsage = "vLLM", metrics.SourcePrometheus, v(512.4), v(40), v(3), v(0.25)
		} else {
			p.Why[metrics.FigureTokens] = metrics.WhyNotServer
		}
		if t.GPUs {
			p.GPUUtil, p.GPUMemoryUsedBytes, p.GPUSource = v(72), v(20*(1<<30)), metrics.SourcePrometheus
		} else {
			p.Why[metrics.FigureGPU] = metrics.WhyNoGPU
		}
		out.Pods[t.PodKey] = p
	}
	return out
}

func loadedLive(t testing.TB, f *fakeFigures, w, h int) *App {
	t.Helper()
	a := New(Config{Scope: "namespace all", Static: livePods(t), Engine: newEngine(t),
		Metrics: f.read, MetricsInterval: time.Millisecond, Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(a, a.Init())
	return a
}

func TestMetricsColumnsAndDetail(t *testing.T) {
	f := &fakeFigures{}
	a := loadedLive(t, f, 160, 48)
	if f.reads.Load() != 1 {
		t.Fatalf("%d readings after the first audit, want 1", f.reads.Load())
	}
	got := screen(a)
	for _, want := range []string{"RSS", "TOK/S", "GPU%", "1.5Gi", "512", "72%", "not LLM", "memory: nodes/proxy is forbidden"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	golden(t, "metrics-main-160x48", got)
	press(a, "/")
	typeText(a, "llama-31")
	press(a, "enter", "enter")
	detail := screen(a)
	for _, want := range []string{"LIVE", "memory: 1.5Gi from kubelet summary", "vLLM (prometheus): 512.4 tokens/s generated, 40.0 prompt tokens/s, 3 requests running, KV cache 25%", "GPU: 72% utilisation, 20.0Gi framebuffer used (prometheus)"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	golden(t, "metrics-detail-160x48", detail)
}

// TestMetricsOfAnOldFeedDropped: a reading that started before a
// namespace switch is not shown; the tick starts the next reading, one
// at a time.
func TestMetricsOfAnOldFeedDropped(t *testing.T) {
	f := &fakeFigures{}
	a := loadedLive(t, f, 160, 48)
	a.table.SetFigures(nil)
	a.Update(metricsMsg{epoch: a.session.src.epoch + 1, snap: f.read(context.Background(), []metrics.Target{{PodKey: metrics.PodKey{Namespace: "x", Name: "y"}, Running: true}}, nil)})
	if a.table.figures != nil {
		t.Error("figures of another feed were shown")
	}
	if !strings.Contains(screen(a), "…") {
		t.Errorf("until a reading, cells should say …:\n%s", screen(a))
	}
	// The tick starts a reading; another tick meanwhile does not start a
	// second one.
	_, cmd := a.Update(metricsTickMsg{})
	if cmd == nil || !a.session.figures.busy {
		t.Fatal("the tick started no reading")
	}
	if _, again := a.Update(metricsTickMsg{}); again != nil {
		t.Error("a second reading started while one runs")
	}
	a.Update(cmd())
	if a.session.figures.busy || a.table.figures == nil {
		t.Errorf("busy %v, figures %v after the reading", a.session.figures.busy, a.table.figures != nil)
	}
}

func TestNoMetricsOnFiles(t *testing.T) {
	a := loaded(t, examplePlatform(t), 160, 48)
	if cmd := a.session.readFigures(); cmd != nil {
		t.Error("files started a metrics reading")
	}
	press(a, "/")
	typeText(a, "research")
	press(a, "enter", "enter")
	if s := screen(a); !strings.Contains(s, "not read: RSS, tokens/s and GPU use come from a live cluster") {
		t.Errorf("detail on files:\n%s", s)
	}
}

// At 80x24 the figure columns give way (as KERNEL and GPU do) and the
// rest of the live table still fits.
func TestMetricsAt80x24(t *testing.T) {
	a := loadedLive(t, &fakeFigures{}, 80, 24)
	got := screen(a)
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Fatalf("a line of %d columns at 80x24: %q", w, l)
		}
	}
	if strings.Contains(got, "TOK/S") || !strings.Contains(got, "WORST") {
		t.Errorf("the figure columns should give way at 80 columns:\n%s", got)
	}
	golden(t, "metrics-main-80x24", got)
}
