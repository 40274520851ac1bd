package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/baseline"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/report"
)

// DiffOptions holds the diff command's flags and what Complete derives.
type DiffOptions struct {
	genericiooptions.IOStreams
	Output    string
	FailOnNew string

	oldPath, newPath string
	failOnNew        policy.Severity
}

// NewCmdDiff builds "tiergate diff".
func NewCmdDiff(streams genericiooptions.IOStreams) *cobra.Command {
	o := &DiffOptions{IOStreams: streams, Output: "table"}
	c := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two audit reports: the findings new in the second and those of the first that are gone",
		Long: `Diff compares two reports written by 'tiergate audit -o json', as
'audit --baseline OLD.json' does: a finding of NEW.json is new or unchanged,
and OLD.json's findings that NEW.json no longer has are resolved. Findings
match by cluster (fleet reports), namespace, owner (the Deployment, the custom resource, the pod when
bare), container and rule, never by pod names, which change with every
rollout; a finding a custom resource's template and its pods share counts once.

Exit codes: 0, 1 with --fail-on-new when a new finding is at or above it,
2 for a file that cannot be read or is not a tiergate JSON report.`,
		Example: `  # What changed between yesterday's audit and today's
  kubectl tiergate diff yesterday.json today.json

  # Fail when the new audit brings a high finding the old one did not have
  kubectl tiergate diff baseline.json current.json --fail-on-new high -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return usageError(c, err)
			}
			return o.Run()
		},
	}
	c.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: table or json")
	c.Flags().StringVar(&o.FailOnNew, "fail-on-new", "", "Exit 1 when a new finding at or above this severity exists: low, medium, high, critical")
	return c
}

// Complete takes the two files.
func (o *DiffOptions) Complete(args []string) error {
	o.oldPath, o.newPath = args[0], args[1]
	o.failOnNew = policy.Severity(strings.ToLower(o.FailOnNew))
	return nil
}

// Validate checks the flags.
func (o *DiffOptions) Validate() error {
	if o.Output != "table" && o.Output != "json" {
		return fmt.Errorf("--output %q is not one of table, json", o.Output)
	}
	if o.FailOnNew != "" && !o.failOnNew.Valid() {
		return fmt.Errorf("--fail-on-new %q is not one of low, medium, high, critical", o.FailOnNew)
	}
	return nil
}

// Run reads both reports, compares them and prints the comparison.
func (o *DiffOptions) Run() error {
	old, err := readReport("diff", o.oldPath)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rep, err := readReport("diff", o.newPath)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	base := baseline.FromReport(old)
	cmp := base.Compare()
	notAudited(o.ErrOut, base, cmp, rep.Clusters)
	for i := range rep.Workloads {
		cmp.Mark(&rep.Workloads[i])
	}
	rep.Baseline = cmp.Diff()
	if err := report.RenderDiff(o.Out, rep, o.Output); err != nil {
		return err
	}
	gate := BaselineOptions{FailOnNew: o.FailOnNew, failOnNew: o.failOnNew}
	return gate.gate(rep.Baseline)
}
