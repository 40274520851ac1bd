package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/baseline"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/internal/version"
	"github.com/tiergate/tiergate/metrics"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/report"
)

// AuditOptions holds the audit command's flags and what Complete derives.
type AuditOptions struct {
	ScopeOptions
	genericiooptions.IOStreams

	Output     string
	FailOn     string
	AllowEmpty bool
	Metrics    MetricsOptions
	Probe      ProbeSweepOptions
	Baseline   BaselineOptions
	Fleet      FleetOptions

	// Derived by Complete.
	failOn policy.Severity
	now    func() time.Time
	flags  *pflag.FlagSet
}

// NewAuditOptions returns options with their defaults.
func NewAuditOptions(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *AuditOptions {
	return &AuditOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: streams, Output: "table", now: time.Now}
}

// NewCmdAudit builds "tiergate audit".
func NewCmdAudit(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	return newCmdAudit(NewAuditOptions(streams, kube))
}

func newCmdAudit(o *AuditOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit [-f FILE|DIR|-]",
		Short: "Classify LLM workloads, resolve their isolation and report what falls short",
		Long: `Audit classifies every pod-bearing object (inference, retrieval, agent,
code-exec or none) with its evidence, resolves its isolation
(RuntimeClass → handler → shared-kernel, gvisor, vm or microvm), compares it
with the tier table, and runs the minimum policy set: egress NetworkPolicy,
service account token, pod security and GPU/runtime compatibility.

Without -f it audits the pods of the current kubeconfig context (its
namespace, -n NAMESPACE, or -A for all), reading each resource once (one
LIST from the server's cache on Kubernetes 1.33 and later, pages of 500
before); what the user may not read is named on stderr
and the audit of the rest goes on. With -f it reads manifests (multi-document YAML, JSON, or
kubectl get -o yaml lists; directories recursively; - for stdin) and
contacts no cluster.

With --baseline FILE (a previous -o json report) each finding is marked new
or unchanged and the baseline's findings that are gone are listed as
resolved; --fail-on-new gates on new findings only. Findings match by
cluster (fleet audits), namespace, owner (the Deployment, the custom resource, the pod when bare),
container and rule, never by pod names, which change with every rollout.
'tiergate diff OLD.json NEW.json' compares two reports the same way.

Exit codes: 0 clean, 1 findings at or above --fail-on (or new ones at or
above --fail-on-new), 2 usage, input or connection errors (a namespace that
does not exist among them), 3 nothing to audit in the scope (an empty
namespace, a -l that matches nothing; --allow-empty makes it 0).`,
		Example: `  # Audit every namespace and fail CI on high findings
  kubectl tiergate audit -A --fail-on high

  # Audit the bundled example platform, offline
  kubectl tiergate audit -f examples/llm-platform.yaml

  # Audit a directory of manifests and fail CI on high findings
  kubectl tiergate audit -f deploy/ --fail-on high

  # Audit what the cluster runs, from a dump
  kubectl get deploy,sts,ds,runtimeclass,networkpolicy,sa,nodes -A -o yaml | kubectl tiergate audit -f -

  # One self-contained HTML file to hand to someone
  kubectl tiergate audit -A -o html > tiergate.html

  # SARIF for code scanning, JUnit for CI test reports
  kubectl tiergate audit -f deploy/ -o sarif > tiergate.sarif
  kubectl tiergate audit -f deploy/ -o junit --fail-on high > tiergate.xml

  # Only the vLLM pods in one namespace, with a custom policy
  kubectl tiergate audit -f deploy/ -n llm -l app=vllm --policy tiergate-policy.yaml

  # Fail CI only on findings that are new since the last accepted run
  kubectl tiergate audit -A -o json > baseline.json          # once, then:
  kubectl tiergate audit -A --baseline baseline.json --fail-on-new high

  # Verify, not only declare: probe the kernel of every pod whose
  # RuntimeClass claims gVisor, a VM or a microVM (VERIFIED column)
  kubectl tiergate audit -A --probe -o wide`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(c); err != nil {
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
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: "+strings.Join(report.Formats(), ", "))
	f.StringVar(&o.FailOn, "fail-on", "", "Exit 1 when a finding at or above this severity exists: low, medium, high, critical")
	f.BoolVar(&o.AllowEmpty, "allow-empty", false, "Exit 0 when the scope holds nothing to audit (by default exit 3: an empty namespace or a -l that matches nothing must not pass a CI gate)")
	o.Metrics.AddFlags(f, false)
	o.Probe.AddFlags(f)
	o.Baseline.AddFlags(f)
	o.Fleet.AddFlags(f)
	return c
}

// Complete derives the scope, the engine and the severity threshold.
func (o *AuditOptions) Complete(c *cobra.Command) error {
	o.failOn = policy.Severity(strings.ToLower(o.FailOn))
	o.flags = c.Flags()
	if err := o.ScopeOptions.Complete(c); err != nil {
		return err
	}
	if err := o.Baseline.Complete(); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return nil
}

// Validate checks the flags against each other.
func (o *AuditOptions) Validate() error {
	if err := o.ScopeOptions.Validate(); err != nil {
		return err
	}
	if !slices.Contains(report.Formats(), o.Output) {
		return fmt.Errorf("--output %q is not one of %s", o.Output, strings.Join(report.Formats(), ", "))
	}
	if o.FailOn != "" && !o.failOn.Valid() {
		return fmt.Errorf("--fail-on %q is not one of low, medium, high, critical", o.FailOn)
	}
	if err := o.Metrics.Validate(o.offline(), o.flags); err != nil {
		return err
	}
	if err := o.Probe.Validate(o.offline()); err != nil {
		return err
	}
	if err := o.Baseline.Validate(); err != nil {
		return err
	}
	if err := o.Fleet.validate(o.offline(), o.Probe.Mode != "", o.Metrics.Enabled, o.flags != nil && o.flags.Changed("contexts"), o.Output, o.singleClusterFlags()); err != nil {
		return err
	}
	if o.Metrics.Enabled && !slices.Contains([]string{"table", "wide", "json", "yaml"}, o.Output) {
		return fmt.Errorf("--metrics shows in -o table, wide, json and yaml, not %s", o.Output)
	}
	return nil
}

// Run loads the objects (files with -f, else the live cluster), audits
// them and renders the report.
func (o *AuditOptions) Run(ctx context.Context) error {
	if o.Fleet.fleet() {
		return o.runFleet(ctx)
	}
	if err := o.Resolve(); err != nil {
		return err
	}
	if o.streamsLive() {
		return o.runStreamed(ctx)
	}
	var (
		inv     *audit.Inventory
		clients *cluster.Clients
		objects int
		err     error
	)
	if o.offline() {
		inv, objects, err = o.loadFiles(o.In, o.ErrOut, o.Output != "table" && o.Output != "wide")
	} else {
		inv, clients, err = o.loadLive(ctx)
		if inv != nil {
			objects = len(inv.Workloads)
		}
	}
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, gap := range inv.Gaps {
		fmt.Fprintln(o.ErrOut, "tiergate: not visible: "+gap)
	}
	opts := report.Options{ToolVersion: version.Version, FailOn: o.failOn, Objects: objects, FilteredOut: inv.FilteredOut, Scope: o.describe(), Now: o.now()}
	if len(inv.Workloads) == 0 {
		opts.Empty = o.emptyReason(inv, objects)
	}
	rep, err := o.audit(ctx, inv, clients, opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	switch {
	case opts.Empty != "" && !o.AllowEmpty:
		return &ExitError{Code: ExitEmpty, Err: fmt.Errorf("nothing to audit: %s (exit %d; --allow-empty exits 0)", opts.Empty, ExitEmpty)}
	case opts.Empty != "" && o.Output != "table" && o.Output != "wide":
		// The table said it; a machine-readable report says it in a
		// field, and the person running it reads it here.
		fmt.Fprintln(o.ErrOut, "tiergate: nothing to audit: "+opts.Empty)
	}
	return o.gates(rep)
}

// singleClusterFlags are the client flags set that name one cluster or
// user, as --flag names.
func (o *ScopeOptions) singleClusterFlags() []string {
	var out []string
	for name, v := range map[string]*string{"--context": o.kube.Context, "--cluster": o.kube.ClusterName, "--user": o.kube.AuthInfoName,
		"--server": o.kube.APIServer, "--token": o.kube.BearerToken, "--certificate-authority": o.kube.CAFile,
		"--client-certificate": o.kube.CertFile, "--client-key": o.kube.KeyFile, "--tls-server-name": o.kube.TLSServerName} {
		if v != nil && *v != "" {
			out = append(out, name)
		}
	}
	if o.kube.Insecure != nil && *o.kube.Insecure {
		out = append(out, "--insecure-skip-tls-verify")
	}
	slices.Sort(out)
	return out
}

// markBaseline marks every finding of rep against the baseline, when
// there is one.
func (o *AuditOptions) markBaseline(rep *audit.Report, cmp *baseline.Comparison) {
	if cmp == nil {
		return
	}
	for i := range rep.Workloads {
		cmp.Mark(&rep.Workloads[i])
	}
	rep.Baseline = cmp.Diff()
}

// gates are the exit errors of --fail-on and --fail-on-new.
func (o *AuditOptions) gates(rep *audit.Report) error {
	if o.failOn != "" {
		if n := rep.Summary.AtLeast(o.failOn); n > 0 {
			return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %d finding%s at or above %s (--fail-on %s)", n, textutil.S(n), o.failOn, o.failOn)}
		}
	}
	return o.Baseline.gate(rep.Baseline)
}

// audit runs the engine and renders its report. JSON is written as the
// results come, so that the results of a large cluster are never all in
// memory; the other formats group or count across workloads first, and
// --metrics needs the audit's types before it reads the pods' figures.
func (o *AuditOptions) audit(ctx context.Context, inv *audit.Inventory, clients *cluster.Clients, opts report.Options) (*audit.Report, error) {
	cmp := o.Baseline.comparison()
	if o.Output == "json" && !o.Metrics.Enabled && o.Probe.Mode == "" {
		js := report.NewJSONPipe(o.Out, opts) // encodes beside the audit
		write := js.Workload
		if cmp != nil {
			write = func(r *audit.Result) error { cmp.Mark(r); return js.Workload(r) }
		}
		rep, err := o.engine.Stream(inv, audit.Options{Now: o.now()}, write)
		if err != nil {
			js.Discard()
			return nil, err
		}
		if cmp != nil {
			rep.Baseline = cmp.Diff()
		}
		return rep, js.Close(rep)
	}
	rep := o.engine.Audit(inv, audit.Options{Now: o.now()})
	if o.Probe.Mode != "" && clients != nil {
		rep = o.probeAndAudit(ctx, clients, inv, rep)
		opts.Probed = true
	}
	o.markBaseline(rep, cmp)
	if o.Metrics.Enabled && clients != nil {
		c, err := o.Metrics.collector(clients.Config)
		if err != nil {
			return nil, err
		}
		targets, exporters := metrics.Targets(inv, rep)
		snap := c.Measure(ctx, targets, exporters, o.Metrics.Interval)
		for _, n := range snap.Notes { // they quote servers' answers
			fmt.Fprintln(o.ErrOut, "tiergate: "+textutil.Printable(n))
		}
		opts.Metrics = snap.Pods
	}
	return rep, report.Render(o.Out, rep, o.Output, opts)
}
