package cmd

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/version"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/report"
)

// AuditOptions holds the audit command's flags and what Complete derives.
type AuditOptions struct {
	kube *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	Filenames     []string
	AllNamespaces bool
	Selector      string
	Output        string
	FailOn        string
	PolicyFile    string

	// Derived by Complete.
	filenameSet bool
	namespace   string
	selector    labels.Selector
	failOn      policy.Severity
	engine      *audit.Engine
	now         func() time.Time
}

// NewAuditOptions returns options with their defaults.
func NewAuditOptions(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *AuditOptions {
	return &AuditOptions{kube: kube, IOStreams: streams, Output: "table", now: time.Now}
}

// NewCmdAudit builds "tiergate audit".
func NewCmdAudit(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := NewAuditOptions(streams, kube)
	c := &cobra.Command{
		Use:   "audit [-f FILE|DIR|-]",
		Short: "Classify LLM workloads, resolve their isolation and report what falls short",
		Long: `Audit classifies every pod-bearing object (inference, retrieval, agent,
code-exec or none) with its evidence, resolves its isolation
(RuntimeClass → handler → shared-kernel, gvisor, vm or microvm), compares it
with the tier table, and runs the minimum policy set: egress NetworkPolicy,
service account token, pod security and GPU/runtime compatibility.

Without -f it audits the pods of the current kubeconfig context (its
namespace, -n NAMESPACE, or -A for all), reading them through watches like
kubectl; what the user may not read is named on stderr and the audit of the
rest goes on. With -f it reads manifests (multi-document YAML, JSON, or
kubectl get -o yaml lists; directories recursively; - for stdin) and
contacts no cluster.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input errors.`,
		Example: `  # Audit every namespace and fail CI on high findings
  kubectl tiergate audit -A --fail-on high

  # Audit the bundled example platform, offline
  kubectl tiergate audit -f examples/llm-platform.yaml

  # Audit a directory of manifests and fail CI on high findings
  kubectl tiergate audit -f deploy/ --fail-on high

  # Audit what the cluster runs, from a dump
  kubectl get deploy,sts,ds,runtimeclass,networkpolicy,sa,nodes -A -o yaml | kubectl tiergate audit -f -

  # SARIF for code scanning, JUnit for CI test reports
  kubectl tiergate audit -f deploy/ -o sarif > tiergate.sarif
  kubectl tiergate audit -f deploy/ -o junit --fail-on high > tiergate.xml

  # Only the vLLM pods in one namespace, with a custom policy
  kubectl tiergate audit -f deploy/ -n llm -l app=vllm --policy tiergate-policy.yaml`,
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
	kube.AddFlags(f)
	f.StringSliceVarP(&o.Filenames, "filename", "f", nil, "Manifest file, directory (recursive) or - for stdin; repeatable")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Audit workloads in every namespace")
	f.StringVarP(&o.Selector, "selector", "l", "", "Label selector (e.g. app=vllm,tier!=dev); matches object or pod template labels")
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: "+strings.Join(report.Formats(), ", "))
	f.StringVar(&o.FailOn, "fail-on", "", "Exit 1 when a finding at or above this severity exists: low, medium, high, critical")
	f.StringVar(&o.PolicyFile, "policy", "", "Policy file (YAML) layered over the default tier table; see 'tiergate policy print'")
	return c
}

// Complete derives the namespace scope, the selector, the severity
// threshold and the audit engine from the flags.
func (o *AuditOptions) Complete(c *cobra.Command) error {
	o.filenameSet = c.Flags().Changed("filename")
	o.Filenames = nonEmpty(o.Filenames)
	if o.kube != nil && o.kube.Namespace != nil && !o.AllNamespaces {
		o.namespace = *o.kube.Namespace
	}
	// Live, without -n or -A, the scope is the context's namespace, as
	// kubectl's. Files carry their own namespaces.
	if len(o.Filenames) == 0 && o.namespace == "" && !o.AllNamespaces {
		ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("kubeconfig: %v", oneLine(err))}
		}
		o.namespace = ns
	}
	var err error
	if o.selector, err = labels.Parse(o.Selector); err != nil {
		return usageError(c, fmt.Errorf("-l %q: %v", o.Selector, err))
	}
	o.failOn = policy.Severity(strings.ToLower(o.FailOn))
	pol, err := loadPolicy(o.PolicyFile)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if o.engine, err = audit.NewEngine(pol); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %v", o.PolicyFile, err)}
	}
	return nil
}

// Validate checks the flags against each other.
func (o *AuditOptions) Validate() error {
	// -f "" (an unset variable in a script) must not fall back to the
	// live cluster of the current context.
	if o.filenameSet && len(nonEmpty(o.Filenames)) == 0 {
		return fmt.Errorf("-f needs a file, directory or - (got an empty value)")
	}
	if !slices.Contains(report.Formats(), o.Output) {
		return fmt.Errorf("--output %q is not one of %s", o.Output, strings.Join(report.Formats(), ", "))
	}
	if o.FailOn != "" && !o.failOn.Valid() {
		return fmt.Errorf("--fail-on %q is not one of low, medium, high, critical", o.FailOn)
	}
	return nil
}

// Run loads the objects (files with -f, else the live cluster), audits
// them and renders the report.
func (o *AuditOptions) Run(ctx context.Context) error {
	var (
		inv     *audit.Inventory
		objects int
		err     error
	)
	if len(o.Filenames) > 0 {
		inv, objects, err = o.loadFiles()
	} else {
		inv, err = o.loadLive(ctx)
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
	opts := report.Options{ToolVersion: version.Version, FailOn: o.failOn, Objects: objects, FilteredOut: inv.FilteredOut, Scope: o.scope()}
	rep, err := o.audit(inv, opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if len(inv.Workloads) == 0 && inv.FilteredOut > 0 && o.Output != "table" && o.Output != "wide" {
		fmt.Fprintf(o.ErrOut, "tiergate: no workloads match %s (%d left out)\n", o.scope(), inv.FilteredOut)
	}
	if o.failOn != "" {
		if n := rep.Summary.AtLeast(o.failOn); n > 0 {
			return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %d finding%s at or above %s (--fail-on %s)", n, pluralS(n), o.failOn, o.failOn)}
		}
	}
	return nil
}

// audit runs the engine and renders its report. JSON is written as the
// results come, so that the results of a large cluster are never all in
// memory; the other formats group or count across workloads first.
func (o *AuditOptions) audit(inv *audit.Inventory, opts report.Options) (*audit.Report, error) {
	if o.Output == "json" {
		js := report.NewJSONStream(o.Out)
		rep, err := o.engine.Stream(inv, audit.Options{Now: o.now()}, js.Workload)
		if err != nil {
			return nil, err
		}
		return rep, js.Close(rep)
	}
	rep := o.engine.Audit(inv, audit.Options{Now: o.now()})
	return rep, report.Render(o.Out, rep, o.Output, opts)
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// scope says in flags what the namespace and selector kept.
func (o *AuditOptions) scope() string {
	var parts []string
	if o.namespace != "" {
		parts = append(parts, "-n "+o.namespace)
	}
	if o.Selector != "" {
		parts = append(parts, "-l "+o.Selector)
	}
	return strings.Join(parts, " ")
}

// loadFiles reads -f inputs; nothing contacts a cluster.
func (o *AuditOptions) loadFiles() (*audit.Inventory, int, error) {
	positions := o.Output != "table" && o.Output != "wide"
	objs, err := manifest.Read(o.Filenames, o.In, manifest.ParseOptions{Positions: positions})
	if err != nil {
		return nil, 0, err
	}
	inv, stats, err := manifest.Build(objs, manifest.BuildOptions{DefaultNamespace: o.namespace, Namespace: o.namespace, Selector: o.selector})
	return inv, stats.Objects, err
}

// loadLive lists the cluster through informers, waits for them to sync
// and takes one snapshot.
func (o *AuditOptions) loadLive(ctx context.Context) (*audit.Inventory, error) {
	if err := o.haveCluster(); err != nil {
		return nil, err
	}
	cfg, err := o.kube.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %v", oneLine(err))
	}
	clients, err := cluster.NewClients(cfg)
	if err != nil {
		return nil, err
	}
	connect := cluster.DefaultConnectTimeout
	if cfg.Timeout > 0 {
		connect = cfg.Timeout
	}
	if err := clients.Ping(ctx, connect); err != nil {
		return nil, err
	}
	// Access checks and discovery are bounded like the first contact: a
	// server that answers /version but stalls later still fails in time.
	setupCtx, stopSetup := context.WithTimeout(ctx, connect)
	src, err := cluster.NewSource(setupCtx, clients, cluster.Options{Namespace: o.namespace, Selector: o.selector})
	stopSetup()
	if err != nil {
		return nil, cluster.Explain(clients.Server, err)
	}
	src.Start(ctx)
	defer src.Stop() // one snapshot is all a one-shot audit needs
	syncCtx, stopSync := context.WithTimeout(ctx, syncTimeout(cfg.Timeout))
	defer stopSync()
	if err := src.WaitForSync(syncCtx); err != nil {
		return nil, err
	}
	return src.Snapshot().Inventory, nil
}

// haveCluster fails early, and clearly, when there is no kubeconfig
// context, no --server and no in-cluster service account: client-go
// would otherwise try localhost:8080.
func (o *AuditOptions) haveCluster() error {
	if o.kube.APIServer != nil && *o.kube.APIServer != "" {
		return nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	raw, err := o.kube.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %v", oneLine(err))
	}
	if len(raw.Contexts) == 0 {
		return fmt.Errorf("no cluster to audit: no kubeconfig context (set KUBECONFIG or --kubeconfig), or audit files with -f FILE|DIR|-")
	}
	return nil
}

// syncTimeout bounds the first list of every resource: the request
// timeout when the user set one, else a minute.
func syncTimeout(request time.Duration) time.Duration {
	if request > 0 {
		return request
	}
	return time.Minute
}

// oneLine folds a multi-line error (kubeconfig loaders produce them).
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
