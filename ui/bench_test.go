package ui

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
)

// BenchmarkKeypress50kPods: one keypress (Update) and the frame it
// produces (View) with 50,000 pods loaded. Target (docs/PERFORMANCE.md):
// p99 under 16 ms, one frame at 60 Hz. The filter and sort keys are the
// expensive ones: they touch every pod; moving renders only the screen.
func BenchmarkKeypress50kPods(b *testing.B) {
	a := liveApp(b, 160, 48)
	send(a, 1, synth.Cluster(50_000, false), nil)
	if _, n := a.table.Position(); n != 50_000 {
		b.Fatalf("%d rows", n)
	}
	for _, bc := range []struct {
		name string
		keys []tea.KeyPressMsg // cycled, one per iteration
	}{
		{"move", []tea.KeyPressMsg{keyMsg("j"), keyMsg("j"), keyMsg("k")}},
		{"page", []tea.KeyPressMsg{keyMsg("pgdown"), keyMsg("pgdown"), keyMsg("G"), keyMsg("g")}},
		// Typing "app-12" then erasing it: every key refilters 50k pods.
		{"filter", append(typed("app-12"), keyMsg("backspace"), keyMsg("backspace"), keyMsg("backspace"), keyMsg("backspace"), keyMsg("backspace"), keyMsg("backspace"))},
		{"sort", []tea.KeyPressMsg{keyMsg("s")}},
		{"severity", []tea.KeyPressMsg{keyMsg("v")}},
		{"fold", []tea.KeyPressMsg{keyMsg("g"), keyMsg("space")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.name == "filter" {
				a.Update(keyMsg("/"))
				defer a.Update(keyMsg("esc"))
			}
			lat := make([]time.Duration, 0, 1024)
			i := 0
			for b.Loop() {
				start := time.Now()
				a.Update(bc.keys[i%len(bc.keys)])
				_ = a.View()
				lat = append(lat, time.Since(start))
				i++
			}
			reportPercentiles(b, lat)
		})
	}
}

func typed(s string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// reportPercentiles adds p50 and p99 latency, in milliseconds.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkFirstFrame10kPods: from a synced snapshot of 10,000 pods
// arriving to the first frame that shows them, audit included. Target:
// under 200 ms.
func BenchmarkFirstFrame10kPods(b *testing.B) {
	inv := synth.Cluster(10_000, false)
	e := newEngine(b)
	lat := make([]time.Duration, 0, 64)
	for b.Loop() {
		b.StopTimer()
		ch := make(chan *cluster.Snapshot)
		close(ch)
		a := New(Config{Scope: "all namespaces", Snapshots: ch, Engine: e, Now: func() time.Time { return fixedTime }})
		a.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		b.StartTimer()

		start := time.Now()
		_, cmd := a.Update(snapshotMsg{snap: &cluster.Snapshot{Generation: 1, Synced: true, Inventory: inv, Time: fixedTime}})
		drive(a, cmd)
		_ = a.View()
		lat = append(lat, time.Since(start))
		if _, n := a.table.Position(); n != 10_000 {
			b.Fatalf("%d rows", n)
		}
	}
	reportPercentiles(b, lat)
}

// BenchmarkRefresh50kPods: the UI's share of a live refresh at 50,000
// pods (the audit runs off the UI goroutine and is not counted): taking
// the new report, keeping the selection, and drawing the frame. It blocks
// keys while it runs, so it is held to the same 16 ms.
func BenchmarkRefresh50kPods(b *testing.B) {
	a := liveApp(b, 160, 48)
	e := newEngine(b)
	reps := [2]auditedMsg{}
	for i := range reps {
		rep := e.Audit(synth.Cluster(50_000, false), audit.Options{Now: fixedTime})
		reps[i] = auditedMsg{rep: rep, entries: newEntries(rep.Workloads)}
	}
	a.Update(auditedMsg{gen: 1, rep: reps[0].rep, entries: reps[0].entries})
	a.Update(keyMsg("G"))
	lat := make([]time.Duration, 0, 256)
	gen := uint64(1)
	for b.Loop() {
		gen++
		m := reps[gen%2]
		m.gen = gen
		start := time.Now()
		a.Update(m)
		_ = a.View()
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}
