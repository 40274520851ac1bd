package ui

import (
	"context"
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
// changes them); the App runs one collection at a time.
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
