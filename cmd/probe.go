package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/probe"
	"github.com/tiergate/tiergate/report"
)

// ProbeOptions holds the probe command's flags.
type ProbeOptions struct {
	ScopeOptions
	genericiooptions.IOStreams

	Local     bool
	Container string
	// ProbeImage probes through an ephemeral container running tiergate
	// from this image instead of cat over exec (--probe-image, as in the
	// view; --ephemeral is its deprecated old name).
	ProbeImage string
	Output     string
	Timeout    time.Duration
	// NodeKernel is the node's kernelVersion for a local probe (a pod
	// knows its node's name at best, not its kernel).
	NodeKernel string

	pod   string
	flags *pflag.FlagSet
	// newExecutor is the exec stream; tests give a fake.
	newExecutor probe.ExecutorFactory
}

// NewProbeOptions returns options with their defaults.
func NewProbeOptions(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *ProbeOptions {
	return &ProbeOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: streams, Timeout: 2 * time.Minute}
}

// NewCmdProbe builds "tiergate probe".
func NewCmdProbe(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	return newCmdProbe(NewProbeOptions(streams, kube))
}

func newCmdProbe(o *ProbeOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "probe (POD | --local) [-n NAMESPACE] [-c CONTAINER] [--probe-image IMAGE]",
		Short: "Prove which kernel a pod really runs on (node's, gVisor, VM, microVM)",
		Long: `A RuntimeClass says what the operator asked for; only the kernel inside
the pod says what it got. probe reads, inside the pod, /proc/version,
uname -r (/proc/sys/kernel/osrelease), /proc/cmdline, /proc/sentry-meminfo,
the DMI vendor and product, the root mount and the cpuinfo hypervisor flag,
compares the kernel with the node's kernelVersion, and decides:
shared-kernel, gvisor, vm (QEMU, Cloud Hypervisor), microvm (Firecracker)
or unknown, with the evidence. When that is weaker than the pod's
RuntimeClass declares, the pod gets a critical TG-ISO-005 finding.

POD is read with cat through the exec subresource (RBAC: get pods, get
nodes, create pods/exec): cat is the only command run. A container without
cat (distroless, scratch) needs --probe-image IMAGE: an ephemeral container
running 'tiergate probe --local' in the pod's sandbox (RBAC: patch
pods/ephemeralcontainers, get pods/log). An ephemeral container cannot be
removed; it stays in the pod's spec, terminated, until the pod is replaced.

--local probes the environment tiergate runs in; it needs no cluster and no
privilege.

Exit codes: 0 probed, 1 the probed kernel is weaker than declared,
2 usage, connection or probe errors.`,
		Example: `  # Prove what a kata pod runs on
  kubectl tiergate probe tool-agent-7d9f8 -n agents

  # A distroless container: probe from an ephemeral container
  kubectl tiergate probe vllm-0 -n llm --probe-image ghcr.io/tiergate/tiergate:latest

  # Where am I? (inside a pod, no cluster access needed)
  tiergate probe --local -o json

  # The same, told the node's kernel (kubectl get node NODE -o jsonpath='{.status.nodeInfo.kernelVersion}')
  tiergate probe --local --node-kernel 6.8.0-1015-gcp`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completePods(o.kube),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return usageError(c, err)
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	addKubeFlags(f, o.kube, kubeFlagHelp{
		namespace:      "The POD's namespace (default: the kubeconfig context's namespace)",
		requestDefault: shortDuration(cluster.DefaultConnectTimeout) + " for the first contact; the probe itself is bounded by --timeout",
	})
	f.StringVar(&o.PolicyFile, "policy", "", "Policy file (YAML) layered over the default tier table; see 'tiergate policy print'")
	f.BoolVar(&o.Local, "local", false, "Probe the environment tiergate runs in (no cluster)")
	f.StringVarP(&o.Container, "container", "c", "", "Container to read in (default: the one the pod's kubectl.kubernetes.io/default-container annotation names, else the first)")
	f.StringVar(&o.ProbeImage, "probe-image", "", "Probe from an ephemeral container running tiergate from this image, instead of cat over exec")
	// The view's flag has always been --probe-image: one name for one
	// thing, the old one kept working (pflag's notice goes to stderr:
	// NewCmdRoot points every flag set there).
	f.StringVar(&o.ProbeImage, "ephemeral", "", "Deprecated: --probe-image")
	_ = f.MarkDeprecated("ephemeral", "use --probe-image")
	f.StringVarP(&o.Output, "output", "o", "", "Output format: json (default text)")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "Give up after this long (an ephemeral container's image may need pulling)")
	f.StringVar(&o.NodeKernel, "node-kernel", "", "With --local: the node's kernelVersion, to tell a pod's own VM from a node that is a VM")
	return c
}

// Complete takes the pod argument and, for a pod, the namespace and engine.
func (o *ProbeOptions) Complete(c *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.pod = args[0]
	}
	o.flags = c.Flags()
	if o.Local {
		return nil
	}
	return o.ScopeOptions.Complete(c)
}

// Validate checks the flags against each other.
func (o *ProbeOptions) Validate() error {
	switch {
	case o.Output != "" && o.Output != "json":
		return fmt.Errorf("--output %q is not json (or empty for text)", o.Output)
	case o.Local && o.pod != "":
		return errors.New("--local probes where tiergate runs: give a POD or --local, not both")
	case o.flags != nil && o.flags.Changed("probe-image") && o.flags.Changed("ephemeral"):
		return errors.New("--ephemeral is the old name of --probe-image: give one of them")
	case o.Local && (o.Container != "" || o.ProbeImage != ""):
		return errors.New("-c and --probe-image choose where to probe a POD; --local takes neither")
	case !o.Local && o.NodeKernel != "":
		return errors.New("--node-kernel is for --local: a POD's node is read from the cluster")
	case !o.Local && o.pod == "":
		return errors.New("name a POD to probe, or --local for where tiergate runs")
	case o.Timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %s", o.Timeout)
	}
	return nil
}

// Run probes and prints the verdict.
func (o *ProbeOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if o.Local {
		facts, err := probe.Local(ctx)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		facts.NodeKernel = o.NodeKernel
		r := &report.ProbeResult{Report: probe.Report{Via: probe.ViaLocal, Facts: facts, Verdict: fingerprint.Decide(facts)}}
		return report.RenderProbe(o.Out, r, o.Output)
	}
	if err := o.Resolve(); err != nil {
		return err
	}
	clients, _, err := o.connect(ctx)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	p := &probe.Prober{Client: clients.Kube, Config: clients.Config, Image: o.ProbeImage, NewExecutor: o.newExecutor}
	rep, err := p.Probe(ctx, o.namespace, o.pod, o.Container)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%v (--timeout %s)", err, o.Timeout)
		}
		return &ExitError{Code: ExitUsage, Err: err}
	}
	r := &report.ProbeResult{Report: *rep}
	// The declared side: the pod audited with its node and RuntimeClass
	// (the policy's handlers and exemptions count), from what the probe
	// read plus one RuntimeClass, not a list of the namespace.
	res := o.engine.Audit(o.probedInventory(ctx, clients, rep), audit.Options{Now: time.Now()}).Workload("Pod", o.namespace, o.pod)
	if res != nil {
		r.Declared = &report.Declared{Isolation: string(res.Isolation), RuntimeClassName: res.RuntimeClassName, Handler: res.Handler, Evidence: res.IsolationEvidence}
		for _, f := range res.Findings {
			if f.Rule == audit.RuleProbeMismatch {
				r.Findings = append(r.Findings, f)
			}
		}
	}
	if err := report.RenderProbe(o.Out, r, o.Output); err != nil {
		return err
	}
	if len(r.Findings) > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %s/%s runs on a weaker kernel than its RuntimeClass declares", o.namespace, o.pod)}
	}
	return nil
}

// probedInventory is the probed pod's inventory: its node, its
// RuntimeClass (read by name; one that does not exist is a finding, one
// that may not be read is assumed from its name, and says so) and the
// probe's verdict.
func (o *ProbeOptions) probedInventory(ctx context.Context, clients *cluster.Clients, rep *probe.Report) *audit.Inventory {
	var rcs []nodev1.RuntimeClass
	complete := true
	if name := ptr.Deref(rep.PodObject.Spec.RuntimeClassName, ""); name != "" {
		rc, err := clients.Kube.NodeV1().RuntimeClasses().Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			rcs = append(rcs, *rc)
		case !apierrors.IsNotFound(err):
			complete = false
		}
	}
	inv := cluster.PodInventory(rep.PodObject, rep.NodeObject, rcs, complete)
	inv.Probes = map[string]audit.Probed{rep.UID: {Verdict: rep.Verdict, Via: rep.Via, Container: rep.Container}}
	return inv
}
