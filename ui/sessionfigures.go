package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
)

// MetricsReader reads the pods' live figures (a metrics.Collector's
// Collect); nil on files or with --metrics=false.
type MetricsReader func(ctx context.Context, targets, exporters []metrics.Target) *metrics.Snapshot

// metricsTimeout bounds one collection; each request has its own, shorter
// timeout in the collector.
const metricsTimeout = 30 * time.Second

// metricsMsg carries one collection of figures; epoch is the feed whose
// pods they are (after a namespace switch they are dropped).
type metricsMsg struct {
	epoch uint64
	snap  *metrics.Snapshot
	took  time.Duration
}

// metricsTickMsg says it is time to read the figures again.
type metricsTickMsg struct{}

// metricsCmd reads the figures of the shown audit's pods off the UI
// goroutine. inv and rep are captured when the command is made (no one
// changes them); the session runs one collection at a time.
func metricsCmd(read MetricsReader, inv *audit.Inventory, rep *audit.Report, epoch uint64) tea.Cmd {
	return func() tea.Msg {
		targets, exporters := metrics.Targets(inv, rep)
		ctx, cancel := context.WithTimeout(context.Background(), metricsTimeout)
		defer cancel()
		start := time.Now()
		snap := read(ctx, targets, exporters)
		return metricsMsg{epoch: epoch, snap: snap, took: time.Since(start)}
	}
}

// metricsTick waits the refresh interval.
func metricsTick(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return metricsTickMsg{} })
}

// figureState is what the session knows of the live figures: how to read
// them and how often, whether a reading runs (busy) or is scheduled
// (ticking), and the last reading of the feed on screen.
type figureState struct {
	read          MetricsReader
	interval      time.Duration
	busy, ticking bool
	reading       figureReading
}

// figureReading is the last collection shown (the columns' figures; nil
// pods: none yet), when it ended and how long it took, and every note a
// source gave so far (the collector says each once; the info overlay says
// them all again).
type figureReading struct {
	pods     map[metrics.PodKey]*metrics.Pod
	at       time.Time
	took     time.Duration
	kubelets metrics.KubeletReads
	notes    []string
}

// add takes a collection in.
func (r *figureReading) add(snap *metrics.Snapshot, took time.Duration) {
	r.pods, r.at, r.took, r.kubelets = snap.Pods, snap.At, took, snap.Kubelets
	for _, n := range snap.Notes {
		if !slices.Contains(r.notes, n) {
			r.notes = append(r.notes, n)
		}
	}
}

// readFigures starts a collection of the shown pods' figures unless one
// runs or a tick will start it.
func (s *session) readFigures() tea.Cmd {
	f := &s.figures
	if f.read == nil || f.busy || f.ticking || s.data.report == nil {
		return nil
	}
	f.busy = true
	return metricsCmd(f.read, s.data.inv, s.data.report, s.src.epoch)
}

// onFigures shows a collection's figures (those of an older feed are
// dropped) and schedules the next one; what a source lacks is said once.
func (s *session) onFigures(m metricsMsg) tea.Cmd {
	f := &s.figures
	f.busy = false
	if m.epoch == s.src.epoch && m.snap != nil {
		f.reading.add(m.snap, m.took)
		s.out.send(figuresMsg{pods: m.snap.Pods})
		if len(m.snap.Notes) > 0 {
			s.out.send(noticeMsg{text: strings.Join(m.snap.Notes, "; ")})
		}
	}
	f.ticking = true
	return metricsTick(f.every())
}

// every is how often the figures are read.
func (f *figureState) every() time.Duration {
	if f.interval > 0 {
		return f.interval
	}
	return 5 * time.Second
}

// metricsState says whether live figures are read, and how often.
func (s *session) metricsState(narrow bool) string {
	f, files := &s.figures, s.src.static != nil
	switch {
	case s.fleet != nil && narrow:
		return " · no figures"
	case s.fleet != nil:
		return " · figures: one cluster at a time (:ctx NAME)"
	case f.read == nil && files && narrow:
		return " · files"
	case f.read == nil && files:
		return " · files: no live figures"
	case f.read == nil && narrow:
		return " · figures off"
	case f.read == nil:
		return " · figures off (--metrics=false)"
	case f.reading.pods == nil && narrow:
		return " · metrics…"
	case f.reading.pods == nil:
		return " · metrics: reading…"
	case narrow:
		return " · metrics " + f.every().String()
	}
	return " · metrics every " + f.every().String()
}

// figuresInfo describes the live figures from the data the columns show:
// whether and how often they are read, the last reading, each figure's
// sources and gaps; and, apart, what the sources said.
func (s *session) figuresInfo() (figures, notes []string) {
	f := &s.figures
	switch {
	case s.fleet != nil:
		return []string{"not read across clusters: :ctx NAME opens one cluster with its figures"}, nil
	case f.read == nil && s.src.static != nil:
		return []string{"not read: files have no live figures"}, nil
	case f.read == nil:
		return []string{"not read (--metrics=false)"}, nil
	case f.reading.pods == nil:
		return []string{"every " + f.every().String() + "; the first reading is under way"}, nil
	}
	out := []string{"every " + f.every().String() + "; last read " + f.reading.at.Format("15:04:05") +
		" (took " + f.reading.took.Round(10*time.Millisecond).String() + ")"}
	if k := f.reading.kubelets; k.Read < k.Nodes {
		out = append(out, kubeletTurns(k, f.reading.at))
	}
	return append(out, figureSummary(f.reading.pods)...), f.reading.notes
}

// kubeletTurns says that RSS comes from a few kubelets per reading (the
// collector's budget on the API server's node proxy) and how old the
// oldest figure on screen is.
func kubeletTurns(k metrics.KubeletReads, at time.Time) string {
	line := "RSS: kubelets read in turns, " + itoa(k.Read) + " of " + itoa(k.Nodes) + " nodes per reading"
	if !k.Oldest.IsZero() {
		line += "; the oldest figure was read " + at.Sub(k.Oldest).Round(time.Second).String() + " before"
	}
	return line
}
