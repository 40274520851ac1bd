package cmd

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/metadata"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/exporter"
	"github.com/tiergate/tiergate/report"
	"github.com/tiergate/tiergate/reportsync"
)

// serve --reports values; "" decides by discovery.
const (
	reportsAuto = ""
	reportsNone = "none"
)

// validReports checks a --reports value.
func validReports(v string) error {
	if v == reportsAuto || v == reportsNone {
		return nil
	}
	if _, ok := report.ReportAPIFor(v); !ok {
		return fmt.Errorf("--reports %q: want openreports, policyreport or none", v)
	}
	return nil
}

// reportsWriter is serve's report writer, or nil when none is written.
// By default Open Reports are written when the cluster serves their CRD,
// and a missing CRD is one warning; asked for explicitly, a missing CRD
// is an error.
func (o *ServeOptions) reportsWriter(clients *cluster.Clients, log *slog.Logger) (*reportsync.Writer, error) {
	if o.Reports == reportsNone {
		return nil, nil
	}
	format := o.Reports
	if format == reportsAuto {
		format = "openreports"
	}
	api, _ := report.ReportAPIFor(format)
	gvr := api.Resource
	if !reportsync.Served(clients.Discovery, api) {
		if o.Reports == reportsAuto {
			log.Warn("not writing reports: the cluster does not serve "+gvr.Resource+"."+gvr.Group+"/"+gvr.Version+" (the Open Reports CRD is not installed; --reports none says so quietly)",
				"crd", gvr.Resource+"."+gvr.Group)
			return nil, nil
		}
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("--reports %s: the cluster does not serve %s.%s/%s: install its CRD or use --reports none", o.Reports, gvr.Resource, gvr.Group, gvr.Version)}
	}
	meta, err := metadata.NewForConfig(clients.Config)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	log.Info("writing reports", "resource", gvr.Resource+"."+gvr.Group, "set", reportsync.SetServe)
	return reportsync.NewWriter(clients.Dynamic, meta, clients.Kube, api, reportsync.SetServe, o.namespace), nil
}

// writeReports brings the cluster's reports in step with rep and says
// what it wrote in one line, and each kind of refusal (verb and resource,
// as RBAC names them) in one more. Failures are retried by the next
// audit: the reports still differ then.
func writeReports(ctx context.Context, w *reportsync.Writer, rep *audit.Report, counter exporter.ReportWrites, log *slog.Logger) {
	start := time.Now()
	res := w.Sync(ctx, rep, start)
	counter.Add(res.Applied, res.Unchanged, res.Deleted, len(res.Errs))
	type group struct{ verb, resource string }
	seen := map[group]int{}
	var order []*reportsync.WriteError
	for _, e := range res.Errs {
		g := group{e.Verb, e.Resource}
		if seen[g] == 0 {
			order = append(order, e)
		}
		seen[g]++
	}
	for _, e := range order {
		msg := "report write failed"
		if reportsync.Forbidden(e) {
			msg = "report write forbidden"
		}
		log.Warn(msg, "verb", e.Verb, "resource", e.Resource, "count", seen[group{e.Verb, e.Resource}], "err", e.Error())
	}
	log.Info("reports written", "writes", res.Applied+res.Deleted, "applied", res.Applied, "deleted", res.Deleted,
		"unchanged", res.Unchanged, "failed", len(res.Errs), "took", time.Since(start).String())
}
