package cmd

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/baseline"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/policy"
)

// BaselineOptions compare an audit with a previous report: findings
// marked new or unchanged, the gone ones listed as resolved, and a gate
// on new findings only.
type BaselineOptions struct {
	Path      string
	FailOnNew string

	// Derived by Complete.
	base      *baseline.Baseline
	failOnNew policy.Severity
}

// AddFlags adds --baseline and --fail-on-new.
func (o *BaselineOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Path, "baseline", "", "A previous report (tiergate audit -o json): mark each finding new or unchanged and list the resolved ones; findings match by cluster (a fleet audit's context), namespace, owner (the Deployment, the custom resource, not the pod), container and rule")
	f.StringVar(&o.FailOnNew, "fail-on-new", "", "With --baseline: exit 1 when a new finding at or above this severity exists (low, medium, high, critical); the findings the baseline had do not fail")
}

// Complete reads the baseline.
func (o *BaselineOptions) Complete() error {
	o.failOnNew = policy.Severity(strings.ToLower(o.FailOnNew))
	if o.Path == "" {
		return nil
	}
	var err error
	rep, err := readReport("--baseline", o.Path)
	if err == nil {
		o.base = baseline.FromReport(rep)
	}
	return err
}

// readReport reads a JSON report; its errors say what asked for it
// (--baseline, diff) and name the file.
func readReport(what, path string) (*audit.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, unwrapPath(err))
	}
	defer f.Close()
	rep, err := baseline.ReadReport(f)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return rep, nil
}

// Validate checks the two flags together.
func (o *BaselineOptions) Validate() error {
	if o.FailOnNew != "" && !o.failOnNew.Valid() {
		return fmt.Errorf("--fail-on-new %q is not one of low, medium, high, critical", o.FailOnNew)
	}
	if o.FailOnNew != "" && o.Path == "" {
		return fmt.Errorf("--fail-on-new needs --baseline FILE (the report to compare with)")
	}
	return nil
}

// comparison starts comparing an audit with the baseline; nil without one.
func (o *BaselineOptions) comparison() *baseline.Comparison {
	if o.base == nil {
		return nil
	}
	return o.base.Compare()
}

// gate is the exit error of --fail-on-new, nil when it passes.
func (o *BaselineOptions) gate(d *audit.BaselineDiff) error {
	if o.failOnNew == "" || d == nil {
		return nil
	}
	if n := baseline.NewAtLeast(d, o.failOnNew); n > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %d new finding%s at or above %s since the baseline (--fail-on-new %s)", n, textutil.S(n), o.failOnNew, o.failOnNew)}
	}
	return nil
}
