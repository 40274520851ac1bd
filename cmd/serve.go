package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/exporter"
)

// ServeOptions holds the serve command's flags.
type ServeOptions struct {
	ScopeOptions
	genericiooptions.IOStreams
	Listen string
	// Reports is the report API written (openreports, policyreport,
	// none); "" writes Open Reports when the cluster serves them.
	Reports string

	// ready is told the address once the server listens (tests).
	ready func(addr string)
}

// NewCmdServe builds "tiergate serve".
func NewCmdServe(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	return newCmdServeWith(&ServeOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: streams, Listen: ":9321"})
}

func newCmdServeWith(o *ServeOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "serve",
		Short: "Keep auditing the cluster and export the results as Prometheus metrics",
		Long: `Serve runs in the cluster (its ServiceAccount) or against a kubeconfig
context, keeps the audit's watches open, audits again after every burst of
changes, and serves:

  /metrics   Prometheus metrics: tiergate_workloads{namespace,type,isolation,
             required_isolation,verdict}, tiergate_findings{rule,severity,
             namespace,owner_kind,owner_name}, tiergate_audit_duration_seconds,
             tiergate_audit_last_timestamp_seconds, tiergate_informers_synced,
             tiergate_source_stale, and the Go process's own. No label holds a
             pod name (owners only), so the series stay bounded.
  /healthz   200 while the process runs.
  /readyz    200 once the first audit is done, 503 before.

After each audit of a synced, healthy snapshot it writes the findings
into the cluster as Open Reports (openreports.io/v1alpha1 Report, one per
namespace, split past 500 results), or wgpolicyk8s.io/v1alpha2
PolicyReports for older Policy Reporters (--reports policyreport): server-
side apply as field manager "tiergate", only the reports whose content
changed, and deletes its own (labelled app.kubernetes.io/managed-by=tiergate
and tiergate.dev/report-set=serve) that no audit wants any more. By
default Open Reports are written when the cluster serves their CRD.

Logs are JSON lines on stderr. SIGINT or SIGTERM stops it gracefully.`,
		Example: `  # Against the current context, every namespace
  kubectl tiergate serve -A --listen :9321

  # Below-tier workloads, as Prometheus would ask
  sum by (namespace) (tiergate_workloads{verdict="below-tier"})`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.ScopeOptions.Complete(c); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return usageError(c, err)
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	o.ScopeOptions.AddFlags(f)
	f.StringVar(&o.Listen, "listen", o.Listen, "Address to serve /metrics, /healthz and /readyz on")
	f.StringVar(&o.Reports, "reports", o.Reports, "Reports to write in the cluster: openreports, policyreport or none (default: openreports when the cluster serves its CRD, else none)")
	return c
}

// Validate checks the flags.
func (o *ServeOptions) Validate() error {
	if err := o.ScopeOptions.Validate(); err != nil {
		return err
	}
	if o.offline() {
		return fmt.Errorf("serve watches a cluster; -f audits files once: use tiergate audit -f")
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return fmt.Errorf("--listen %q: %v", o.Listen, err)
	}
	return validReports(o.Reports)
}

// Run serves until ctx is done. It listens before it contacts the
// cluster: a busy address fails at once, not after the connection.
func (o *ServeOptions) Run(ctx context.Context) error {
	if err := o.Resolve(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--listen: %v", err)}
	}
	log := slog.New(slog.NewJSONHandler(o.ErrOut, nil))
	src, clients, _, err := o.sourceAndClients(ctx)
	if err != nil {
		ln.Close()
		return &ExitError{Code: ExitUsage, Err: err}
	}
	writer, err := o.reportsWriter(clients, log)
	if err != nil {
		ln.Close()
		return err
	}
	col := exporter.NewCollector()
	writes := exporter.NewReportWrites()
	reg := prometheus.NewRegistry()
	reg.MustRegister(col, writes, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !col.Ready() {
			http.Error(w, "syncing: the first audit is not done", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "scope", o.title())
	if o.ready != nil {
		o.ready(ln.Addr().String())
	}

	snaps := src.Subscribe()
	src.Start(ctx)
	defer src.Stop()
	// Once every watch has listed (or given up: its gap is said), the
	// source publishes a synced snapshot, which the loop audits.
	go func() {
		syncCtx, stop := context.WithTimeout(ctx, syncTimeout(0))
		defer stop()
		if err := src.WaitForSync(syncCtx); err != nil {
			log.Error("sync", "err", err.Error())
		}
		for _, g := range src.Gaps() {
			log.Warn("not visible", "gap", g.String())
		}
	}()
	err = o.auditLoop(ctx, snaps, col, func(rep *audit.Report) {
		if writer != nil {
			writeReports(ctx, writer, rep, writes, log)
		}
	}, log)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdown); serr != nil {
		log.Error("shutdown", "err", serr.Error())
	}
	if serveErr := <-served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	log.Info("stopped")
	return err
}

// auditLoop audits each snapshot the source publishes (one per burst of
// changes: a slow audit only ever skips to the newest) until ctx is done.
// Each audit of a healthy snapshot is handed to write (the reports);
// while the watches fail the cache may be stale, and a stale cache must
// not delete a namespace's report: the write waits for the recovery,
// whose snapshot is audited again.
func (o *ServeOptions) auditLoop(ctx context.Context, snaps <-chan *cluster.Snapshot, col *exporter.Collector, write func(*audit.Report), log *slog.Logger) error {
	for {
		var snap *cluster.Snapshot
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-snaps:
			if !ok {
				return nil
			}
			snap = s
		}
		col.SetState(snap.Synced, snap.Err != nil)
		if snap.Err != nil {
			log.Warn("watches failing; metrics are the last good audit's", "err", snap.Err.Error())
		}
		if !snap.Synced || snap.Inventory == nil {
			continue
		}
		start := time.Now()
		rep := o.engine.Audit(snap.Inventory, audit.Options{Now: start})
		took := time.Since(start)
		col.SetReport(rep, took, time.Now())
		log.Info("audited", "generation", snap.Generation, "workloads", rep.Summary.Workloads, "findings", rep.Summary.Findings, "took", took.String())
		if snap.Err == nil {
			write(rep)
		}
	}
}
