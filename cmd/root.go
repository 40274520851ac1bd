// Package cmd builds tiergate's command line. It is the only package that
// wires concrete inputs (files, and later clusters) to the pure audit
// engine.
package cmd

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// NewCmdRoot builds the tiergate command. argv0 decides the name shown in
// help: "kubectl tiergate" when run as the kubectl-tiergate plugin.
func NewCmdRoot(streams genericiooptions.IOStreams, argv0 string) *cobra.Command {
	kube := genericclioptions.NewConfigFlags(true)
	tui := &TUIOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: streams}
	root := &cobra.Command{
		Use:   "tiergate",
		Short: "Find LLM workloads behind too thin an isolation boundary, prove it, and fix it",
		Long: `With no command, tiergate opens its interactive view (a terminal is
needed; 'tiergate audit' prints a report).

tiergate classifies every pod-bearing workload (inference, retrieval, agent,
code-exec or none), resolves the isolation it really runs under
(RuntimeClass → handler → shared-kernel, gVisor, VM or microVM), compares it
with the tier table and the minimum policy set, and explains every finding.

Tier table (minimum isolation):
  inference  shared-kernel (gVisor recommended)
  retrieval  gvisor
  agent      vm (Kata)
  code-exec  microvm (Firecracker)`,
		Example: `  # The interactive view of the current context's namespace, or of all
  kubectl tiergate
  kubectl tiergate -A

  # Every context of the kubeconfig at once, a CLUSTER column on each row
  kubectl tiergate --all-contexts -A

  # The interactive view of manifests
  kubectl tiergate -f examples/llm-platform.yaml

  # p on a pod proves its kernel; here through an ephemeral container
  # (for images without cat) instead of cat over exec
  kubectl tiergate -n agents --probe-image ghcr.io/tiergate/tiergate:latest`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := tui.Complete(c); err != nil {
				return err
			}
			if err := tui.Validate(); err != nil {
				return usageError(c, err)
			}
			return tui.Run(c.Context())
		},
	}
	tui.ScopeOptions.AddFlags(root.Flags())
	tui.Metrics.AddFlags(root.Flags(), true)
	tui.Fleet.addViewFlags(root.Flags())
	root.Flags().StringVar(&tui.ProbeImage, "probe-image", "", "p probes from an ephemeral container running tiergate from this image, instead of cat over exec")
	if strings.HasPrefix(filepath.Base(argv0), "kubectl-") {
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl tiergate"}
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(c, err)
	})
	root.AddCommand(
		NewCmdAudit(streams, kube),
		NewCmdDiff(streams),
		NewCmdServe(streams, kube),
		NewCmdBench(streams, kube),
		NewCmdFix(streams, kube),
		NewCmdProbe(streams, kube),
		NewCmdPolicy(streams),
		NewCmdRules(streams),
		NewCmdVersion(streams),
		NewCmdCompletion(streams),
	)
	// Our completion command documents the shells and the plugin's set-up.
	root.CompletionOptions.DisableDefaultCmd = true
	for _, c := range allCommands(root) {
		if c.Flags().Lookup("namespace") != nil {
			registerCompletions(c, kube)
		}
		// pflag's notices (a deprecated flag) go to stderr: cobra would
		// print them on stdout, into a JSON report.
		c.Flags().SetOutput(streams.ErrOut)
	}
	return root
}

// usageError turns a flag or argument problem into a one-line error that
// exits 2 and says where help is.
func usageError(c *cobra.Command, err error) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%v (see '%s --help')", err, c.CommandPath())}
}

// allCommands is root and every command under it.
func allCommands(root *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{root}
	for _, c := range root.Commands() {
		out = append(out, allCommands(c)...)
	}
	return out
}
