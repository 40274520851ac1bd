package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/remediate"
)

// Applier writes fixes to the live cluster (applier.Applier; nil on files).
type Applier interface {
	DryRun(ctx context.Context, it applier.Item) applier.Outcome
	Apply(ctx context.Context, it applier.Item) applier.Outcome
}

// applyTimeout bounds one dry run or apply of every object of a fix.
const applyTimeout = time.Minute

// fixComputedMsg carries the fix of one workload.
type fixComputedMsg struct {
	key string
	res *remediate.Result
	err error
}

// dryRunMsg carries the server dry run of a fix's objects.
type dryRunMsg struct {
	key  string
	outs []applier.Outcome
}

// appliedMsg carries what applying a fix did.
type appliedMsg struct {
	key  string
	outs []applier.Outcome
}

// fixCmd computes the fix of one workload off the UI goroutine. The engine
// is the fix engine, never the one the audits use (an engine audits one
// inventory at a time); inv and rep are the shown snapshot's, which no
// one changes.
func fixCmd(e *audit.Engine, inv *audit.Inventory, rep *audit.Report, key string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		res, err := remediate.Compute(e, inv, rep, remediate.Options{
			Select: func(r *audit.Result, _ *audit.Finding) bool { return resultKey(r) == key },
			Audit:  audit.Options{Now: now},
		})
		return fixComputedMsg{key: key, res: res, err: err}
	}
}

// dryRunCmd runs the server dry run of every item.
func dryRunCmd(a Applier, key string, items []applier.Item) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
		defer cancel()
		outs := make([]applier.Outcome, 0, len(items))
		for _, it := range items {
			outs = append(outs, a.DryRun(ctx, it))
		}
		return dryRunMsg{key: key, outs: outs}
	}
}

// applyCmd applies the items the dry run showed changes for.
func applyCmd(a Applier, key string, items []applier.Item) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
		defer cancel()
		outs := make([]applier.Outcome, 0, len(items))
		for _, it := range items {
			outs = append(outs, a.Apply(ctx, it))
		}
		return appliedMsg{key: key, outs: outs}
	}
}
