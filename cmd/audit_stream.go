package cmd

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/version"
	"github.com/tiergate/tiergate/report"
)

// streamsLive says the audit reads a live cluster and writes JSON with
// nothing that needs every result first (--metrics reads the pods'
// figures after the audit, --probe re-audits): it can audit and write a
// namespace while the next one's pods are still being listed.
func (o *AuditOptions) streamsLive() bool {
	return !o.offline() && o.Output == "json" && !o.Metrics.Enabled && o.Probe.Mode == ""
}

// streamGCPercent is the garbage collector's target while a namespace at
// a time is audited. main's 50 keeps a whole inventory's peak low; here
// the heap holds one namespace's pods and a few pages of the next, so the
// collector may wait longer: on 10,000 pods (docs/PERFORMANCE.md) 150
// spends a fifth less CPU than 50 (0.50 s against 0.62 s), and peaks at
// 104-118 MB where 200 reached 148 MB. GOGC, when set, wins.
const streamGCPercent = 150

// runStreamed is the live one-shot audit with -o json, a namespace at a
// time (cluster.Lister.Stream, audit.Engine.AuditByNamespace): the
// document is the one Run writes from the whole inventory, byte for
// byte, but the audit and the JSON run while the pods decode, and only
// one namespace's pods are held. Pods that fail to list after some
// namespaces were written leave the document unfinished, with the error
// and exit 2, as any failed audit.
func (o *AuditOptions) runStreamed(ctx context.Context) error {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(streamGCPercent))
	}
	lister, _, request, err := o.lister(ctx)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	now := o.now()
	cmp := o.Baseline.comparison()
	var (
		js *report.JSONPipe
		na *audit.NamespaceAudit
	)
	write := func(r *audit.Result) error { return js.Workload(r) }
	if cmp != nil {
		write = func(r *audit.Result) error { cmp.Mark(r); return js.Workload(r) }
	}
	// The timeout bounds the lists, not the reader of stdout the audit
	// waits on between the pods' pages.
	inv, objects, err := lister.Stream(ctx, syncTimeout(request), func(base *audit.Inventory) error {
		for _, gap := range base.Gaps {
			fmt.Fprintln(o.ErrOut, "tiergate: not visible: "+gap)
		}
		js = report.NewJSONPipe(o.Out, report.Options{ToolVersion: version.Version, FailOn: o.failOn, Scope: o.describe(), Now: now})
		na = o.engine.AuditByNamespace(base, audit.Options{Now: now})
		return nil
	}, func(namespace string, ws []audit.Workload) error {
		return na.Namespace(namespace, ws, write)
	})
	if err != nil {
		if js != nil {
			// The namespaces audited before the failure are on stdout
			// already: the document is cut short, and says so by failing
			// to parse; stderr says why.
			js.Discard()
			na.Close()
			err = fmt.Errorf("%w (the JSON on stdout is incomplete)", err)
		}
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rep := na.Close()
	empty := ""
	if objects == 0 {
		empty = o.emptyReason(inv, objects)
	}
	if cmp != nil {
		rep.Baseline = cmp.Diff()
	}
	if err := js.CloseEmpty(rep, empty); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	switch {
	case empty != "" && !o.AllowEmpty:
		return &ExitError{Code: ExitEmpty, Err: fmt.Errorf("nothing to audit: %s (exit %d; --allow-empty exits 0)", empty, ExitEmpty)}
	case empty != "":
		fmt.Fprintln(o.ErrOut, "tiergate: nothing to audit: "+empty)
	}
	return o.gates(rep)
}
