package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/baseline"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/internal/version"
	"github.com/tiergate/tiergate/report"
)

// FleetOptions audit several kubeconfig contexts in one run.
type FleetOptions struct {
	Contexts          []string
	AllContexts       bool
	FailOnUnreachable bool
	ClusterTimeout    time.Duration
	Concurrency       int
}

// AddFlags adds the fleet flags.
func (o *FleetOptions) AddFlags(f *pflag.FlagSet) {
	f.StringSliceVar(&o.Contexts, "contexts", nil, "Audit these kubeconfig contexts (comma-separated) into one report, each workload with its cluster")
	f.BoolVar(&o.AllContexts, "all-contexts", false, "Audit every context of the kubeconfig into one report")
	f.BoolVar(&o.FailOnUnreachable, "fail-on-unreachable", false, "With --contexts or --all-contexts: exit 2 when any cluster could not be audited (without it, such a cluster is a line in the report and the others are audited)")
	f.DurationVar(&o.ClusterTimeout, "cluster-timeout", 2*time.Minute, "With --contexts or --all-contexts: how long one cluster may take, connection to snapshot")
	f.IntVar(&o.Concurrency, "cluster-concurrency", 4, "With --contexts or --all-contexts: clusters read at once")
}

// fleet says several contexts are asked for.
func (o *FleetOptions) fleet() bool { return len(o.Contexts) > 0 || o.AllContexts }

// validate checks the fleet flags against the rest: output is the
// format, single names the client flags set that name one cluster or
// user (they cannot apply to each context).
func (o *FleetOptions) validate(offline, probe, metrics, contextsSet bool, output string, single []string) error {
	var seen []string // in the order given, each once
	for _, c := range nonEmpty(o.Contexts) {
		if !slices.Contains(seen, c) {
			seen = append(seen, c)
		}
	}
	o.Contexts = seen
	if contextsSet && len(o.Contexts) == 0 {
		// An unset shell variable must not fall back to the current
		// context alone.
		return fmt.Errorf("--contexts needs context names (got an empty value)")
	}
	if !o.fleet() {
		if o.FailOnUnreachable {
			return fmt.Errorf("--fail-on-unreachable needs --contexts or --all-contexts")
		}
		return nil
	}
	switch {
	case len(o.Contexts) > 0 && o.AllContexts:
		return fmt.Errorf("--contexts and --all-contexts: use one")
	case offline:
		return fmt.Errorf("--contexts and --all-contexts audit clusters; -f audits files: use one")
	case len(single) > 0:
		return fmt.Errorf("%s name%s one cluster or user; with --contexts and --all-contexts each context's own is used", strings.Join(single, ", "), map[bool]string{true: "s", false: ""}[len(single) == 1])
	case output == "openreports" || output == "policyreport":
		return fmt.Errorf("-o %s writes reports to apply to one cluster: audit each with --context NAME", output)
	case probe || metrics:
		return fmt.Errorf("--probe and --metrics read one cluster: use --context NAME")
	case o.ClusterTimeout <= 0 || o.Concurrency < 1:
		return fmt.Errorf("--cluster-timeout must be positive and --cluster-concurrency at least 1")
	}
	return nil
}

// fleetCluster is one context's audit.
type fleetCluster struct {
	name, server string
	rep          *audit.Report
	err          error
}

// loadFleet reads and audits each context at once, at most Concurrency
// together, each within ClusterTimeout; one that fails is said, not the
// end of the run.
func (o *AuditOptions) loadFleet(ctx context.Context) ([]fleetCluster, error) {
	raw, names, err := o.Fleet.resolve(o.kube.ToRawKubeConfigLoader())
	if err != nil {
		return nil, err
	}
	out := make([]fleetCluster, len(names))
	sem := make(chan struct{}, o.Fleet.Concurrency)
	var wg sync.WaitGroup
	for i, name := range names {
		out[i].name = name
		if c, ok := raw.Clusters[raw.Contexts[name].Cluster]; ok {
			out[i].server = cluster.RedactServer(c.Server)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, o.Fleet.ClusterTimeout)
			defer cancel()
			out[i].rep, out[i].err = o.auditContext(cctx, raw, name)
			if cctx.Err() == context.DeadlineExceeded && out[i].err != nil {
				out[i].err = fmt.Errorf("not done in %v (--cluster-timeout)", o.Fleet.ClusterTimeout)
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// resolve reads the kubeconfig and the contexts asked for: those named,
// or every one (sorted); a name the kubeconfig lacks is an error that
// lists those it has.
func (o *FleetOptions) resolve(loader clientcmd.ClientConfig) (clientcmdapi.Config, []string, error) {
	raw, err := loader.RawConfig()
	if err != nil {
		return raw, nil, fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))
	}
	names := slices.Clone(o.Contexts)
	if o.AllContexts {
		names = contextNames(raw)
	}
	if len(names) == 0 {
		return raw, nil, fmt.Errorf("--all-contexts: the kubeconfig has no context")
	}
	var unknown []string
	for _, n := range names {
		if _, ok := raw.Contexts[n]; !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return raw, nil, fmt.Errorf("--contexts: %s not in the kubeconfig (it has %s)", strings.Join(unknown, ", "), strings.Join(contextNames(raw), ", "))
	}
	return raw, names, nil
}

// contextNames are the kubeconfig's contexts, sorted.
func contextNames(raw clientcmdapi.Config) []string {
	names := make([]string, 0, len(raw.Contexts))
	for n := range raw.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// auditContext reads one context as a one-cluster audit would and audits
// it, each workload named with the context.
func (o *AuditOptions) auditContext(ctx context.Context, raw clientcmdapi.Config, name string) (*audit.Report, error) {
	scope, err := o.contextScope(raw, name)
	if err != nil {
		return nil, err
	}
	inv, _, err := scope.loadLive(ctx)
	if err == nil && ctx.Err() != nil {
		// The cluster's time ran out in its lists: those not done became
		// gaps and the rest was kept, which is not the cluster (a
		// one-cluster audit says such gaps; a fleet says the cluster
		// timed out).
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	rep := o.engine.Audit(inv, audit.Options{Now: o.now()})
	for i := range rep.Workloads {
		rep.Workloads[i].Cluster = name
	}
	return rep, nil
}

// contextScope is the scope as it reads one context of the kubeconfig:
// its cluster and user (with the impersonation and timeout flags), and
// without -n or -A the context's own namespace.
func (o *ScopeOptions) contextScope(raw clientcmdapi.Config, name string) (ScopeOptions, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: name}
	if o.kube.Impersonate != nil {
		overrides.AuthInfo.Impersonate = *o.kube.Impersonate
	}
	if o.kube.ImpersonateGroup != nil {
		overrides.AuthInfo.ImpersonateGroups = *o.kube.ImpersonateGroup
	}
	if o.kube.ImpersonateUID != nil {
		overrides.AuthInfo.ImpersonateUID = *o.kube.ImpersonateUID
	}
	if o.kube.Timeout != nil {
		overrides.Timeout = *o.kube.Timeout
	}
	cc := clientcmd.NewNonInteractiveClientConfig(raw, name, overrides, nil)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return ScopeOptions{}, fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))
	}
	scope := *o // a copy: its namespace and cluster are this context's
	scope.restConfig = cfg
	if scope.namespace == "" && !scope.AllNamespaces {
		if scope.namespace, _, err = cc.Namespace(); err != nil {
			return ScopeOptions{}, err
		}
	}
	return scope, nil
}

// mergeFleet makes one report of the clusters' reports: their workloads
// in the clusters' order, one summary over all, and each cluster's own.
func mergeFleet(cs []fleetCluster) *audit.Report {
	out := &audit.Report{Workloads: []audit.Result{}, Clusters: make([]audit.ClusterReport, len(cs))}
	for i, c := range cs {
		cr := audit.ClusterReport{Context: c.name, Server: c.server}
		if c.err != nil {
			cr.Error = textutil.OneLine(c.err.Error())
		} else {
			sum := c.rep.Summary
			cr.Summary, cr.NotVisible = &sum, c.rep.NotVisible
			out.Workloads = append(out.Workloads, c.rep.Workloads...)
			for _, g := range c.rep.NotVisible {
				out.NotVisible = append(out.NotVisible, c.name+": "+g)
			}
		}
		out.Clusters[i] = cr
	}
	out.Summary = audit.Summarize(out.Workloads)
	return out
}

// runFleet audits every context asked for into one report: a cluster
// that cannot be read is a line on stderr and in the report, and exit 2
// only with --fail-on-unreachable.
func (o *AuditOptions) runFleet(ctx context.Context) error {
	if err := o.missingKubeconfig(); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	cs, err := o.loadFleet(ctx)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rep := mergeFleet(cs)
	var failed []string
	for _, c := range rep.Clusters {
		if c.Error != "" {
			failed = append(failed, c.Context)
			fmt.Fprintf(o.ErrOut, "tiergate: cluster %s: not audited: %s\n", c.Context, c.Error)
		}
	}
	for _, gap := range rep.NotVisible {
		fmt.Fprintln(o.ErrOut, "tiergate: not visible: "+gap)
	}
	cmp := o.Baseline.comparison()
	notAudited(o.ErrOut, o.Baseline.base, cmp, rep.Clusters)
	o.markBaseline(rep, cmp)
	opts := report.Options{ToolVersion: version.Version, FailOn: o.failOn, Objects: len(rep.Workloads), Scope: o.describe(), Now: o.now()}
	if len(rep.Workloads) == 0 && len(failed) < len(rep.Clusters) {
		opts.Empty = "no cluster holds a pod-bearing workload in the scope"
		if d := o.describe(); d != "" {
			opts.Empty += " (" + d + ")"
		}
	}
	if err := report.Render(o.Out, rep, o.Output, opts); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if len(failed) > 0 && o.Fleet.FailOnUnreachable {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%d of %d clusters not audited: %s (--fail-on-unreachable)", len(failed), len(rep.Clusters), strings.Join(failed, ", "))}
	}
	if len(failed) == len(rep.Clusters) {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("no cluster could be audited: %s", strings.Join(failed, ", "))}
	}
	if opts.Empty != "" && !o.AllowEmpty {
		return &ExitError{Code: ExitEmpty, Err: fmt.Errorf("nothing to audit: %s (exit %d; --allow-empty exits 0)", opts.Empty, ExitEmpty)}
	}
	return o.gates(rep)
}

// notAudited keeps the baseline's findings in the clusters a fleet audit
// could not read out of the resolved (nothing is known of them), and
// says so on w; it says too which clusters the audit read that the
// baseline could not (their findings are all new to it).
func notAudited(w io.Writer, base *baseline.Baseline, cmp *baseline.Comparison, clusters []audit.ClusterReport) {
	if cmp == nil {
		return
	}
	for _, c := range clusters {
		if c.Error == "" {
			if slices.Contains(base.NotAudited(), c.Context) {
				fmt.Fprintf(w, "tiergate: baseline: cluster %s was not audited in the baseline: its findings all count as new\n", c.Context)
			}
			continue
		}
		if n := cmp.NotAudited(c.Context); n > 0 {
			fmt.Fprintf(w, "tiergate: baseline: cluster %s not audited: %d of the baseline's findings not compared (not counted as resolved)\n", c.Context, n)
		}
	}
	// A cluster of the baseline's fleet that this fleet audit did not
	// ask for (--contexts of fewer) is not audited either: its findings
	// are unknown, not resolved.
	if len(clusters) == 0 {
		return // a one-cluster report
	}
	for _, name := range base.Clusters() {
		if slices.ContainsFunc(clusters, func(c audit.ClusterReport) bool { return c.Context == name }) {
			continue
		}
		if n := cmp.NotAudited(name); n > 0 {
			fmt.Fprintf(w, "tiergate: baseline: cluster %s not in this audit: %d of the baseline's findings not compared (not counted as resolved)\n", name, n)
		}
	}
}
