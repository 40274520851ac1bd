package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"

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

// fixComputedMsg carries the fix of one workload. seq is the request's
// number: only the latest request's answer is shown.
type fixComputedMsg struct {
	seq uint64
	res *remediate.Result
	err error
}

// dryRunMsg carries the server dry run of a fix's objects; each outcome
// holds the server's warnings about its object.
type dryRunMsg struct {
	seq  uint64
	outs []applier.Outcome
}

// appliedMsg carries what applying a fix did.
type appliedMsg struct {
	seq  uint64
	outs []applier.Outcome
}

// fixCmd computes the fix of one workload off the UI goroutine, on the
// engine the audits share (it is safe for concurrent use); inv and rep
// are the shown snapshot's, which no one changes. A request made while
// another runs runs at once: the older answer is dropped by seq.
func fixCmd(e *audit.Engine, owners OwnerReader, inv *audit.Inventory, rep *audit.Report, key string, seq uint64, now time.Time) tea.Cmd {
	return func() tea.Msg {
		opts := remediate.Options{
			Select: func(r *audit.Result, _ *audit.Finding) bool { return resultKey(r) == key },
			Audit:  audit.Options{Now: now},
		}
		if owners != nil {
			ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
			opts.Owners, opts.Services = owners(ctx, remediate.OwnerTargets(inv, rep, opts.Select), remediate.ServiceRefs(inv, rep, opts.Select))
			cancel()
		}
		res, err := remediate.Compute(e, inv, rep, opts)
		return fixComputedMsg{seq: seq, res: res, err: err}
	}
}

// OwnerReader reads the live objects fixes would patch (nil on files):
// a pod's fix is then computed from its owner's template; and the
// Services the workload is pointed at, which its egress fix allows.
type OwnerReader func(ctx context.Context, targets []remediate.Target, services []remediate.ServiceRef) (map[remediate.Target]*audit.Workload, []corev1.Service)

// dryRunCmd runs the server dry run of every item; an item whose
// RuntimeClass could not be created is not sent.
func dryRunCmd(a Applier, seq uint64, items []applier.Item) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
		defer cancel()
		return dryRunMsg{seq: seq, outs: applier.Each(ctx, items, a.DryRun)}
	}
}

// applyCmd applies the items the person chose after the dry run (those
// whose Force is set take ownership of other managers' fields).
func applyCmd(a Applier, seq uint64, items []applier.Item) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
		defer cancel()
		return appliedMsg{seq: seq, outs: applier.Each(ctx, items, a.Apply)}
	}
}
