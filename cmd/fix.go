package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

// fixFormats are the outputs of tiergate fix.
var fixFormats = []string{"patch", "kustomize", "manifests", "json"}

// FixOptions holds the fix command's flags and what Complete derives.
type FixOptions struct {
	ScopeOptions
	genericiooptions.IOStreams

	Output          string
	OutputDir       string
	Rules           []string
	Types           []string
	MinSeverity     string
	Apply           bool
	Yes             bool
	ForceConflicts  bool
	AllowPending    bool
	AllowEgressGaps bool
	InPlace         bool

	// Derived by Complete.
	minSeverity policy.Severity
	now         func() time.Time
}

// NewFixOptions returns options with their defaults.
func NewFixOptions(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *FixOptions {
	return &FixOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: streams, Output: "patch", now: time.Now}
}

// NewCmdFix builds "tiergate fix".
func NewCmdFix(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := NewFixOptions(streams, kube)
	c := &cobra.Command{
		Use:   "fix [-f FILE|DIR|-]",
		Short: "Compute the patches that fix the findings, and apply them when asked",
		Long: `Fix audits like 'tiergate audit' and, for every finding it can fix,
computes the change that fixes it on a copy of the object, then audits the
changed object again to be sure:

  runtime-class          runtimeClassName raised to the tier's minimum: an
                         existing RuntimeClass whose handler gives the isolation
                         (GPU-capable for GPU workloads), checked against the
                         nodes; a RuntimeClass to create when none fits
  security-context       runAsNonRoot, seccomp RuntimeDefault, no privilege
                         escalation, read-only root (with an emptyDir for /tmp),
                         drop ALL capabilities
  service-account-token  automountServiceAccountToken: false, on the
                         ServiceAccount when a live audit saw all its users
                         and every one is being fixed
  network-policy         an egress NetworkPolicy: cluster DNS, and the pods
                         behind each Service the pods' env and arguments point
                         at (model gateway, vector database, MCP server,
                         telemetry, proxy), on their pods' port; what it cannot
                         turn into a rule (a public API, a Service not seen, a
                         value from a Secret) is listed to fill in, and the
                         policy is held back until then (--allow-egress-gaps)

A pod's owner is patched (its Deployment, StatefulSet, DaemonSet or CronJob),
never the pod. LeaderWorkerSets, SandboxTemplates, Sandboxes, RayClusters and
RayServices get JSON patches of their pod templates: from files, the objects
themselves; live, the pods of such a resource (a LeaderWorkerSet's StatefulSets,
a Sandbox, a RayCluster) are fixed through the resource read from the cluster
(every template, never the pods or StatefulSets its controller would revert),
and left to a human with the reason when it cannot be read.
Findings that need a human decision are listed with the reason.

Some changes are held back, by the script and --apply alike (one plan, two
renderings): a runtime change whose pods would stay Pending (no node can run
the class yet) unless --allow-pending, a RuntimeClass only such changes would
use, and a bare pod's or Job's pod spec, which cannot change in place (use
-o manifests). The script writes them as commented-out commands with the
reason.

Outputs: -o patch (default) a reviewable script of kubectl patch and apply
commands; -o kustomize patch files and a kustomization.yaml; -o manifests
(with -f) the input files rewritten, keeping comments, key order and every
other document byte for byte, into --output-dir or --in-place, with the
objects to create in tiergate-new-objects.yaml; -o json.

Nothing is changed unless --apply is given. --apply needs a live cluster: it
first runs a server-side dry run and prints the diff of every object with the
server's warnings about it, asks for confirmation (or takes --yes; without a
terminal it refuses before reading anything), then applies with server-side
apply as field manager "tiergate". In real clusters every field is owned by
someone: a field another manager (kubectl, Helm, a controller) owns with
another value is shown as "field → manager", with the diff that taking it
would make. The question then offers y (the changes without conflicts), o
(all of them, taking ownership of those fields) or N; in scripts,
--force-conflicts takes them and --yes alone leaves them. An object Argo CD,
Flux or Helm manages (by its labels, annotations or field managers) is
marked: a live change to what it declares is set back at its next sync, so
fix its source with -o kustomize, -o patch or -o manifests.

Exit codes: 0 done, 1 some change was not applied, 2 usage or input errors.`,
		Example: `  # A reviewable script of kubectl patch and apply commands
  kubectl tiergate fix -A > fix.sh

  # Only the isolation findings of agents and code runners
  kubectl tiergate fix -A --type agent,code-exec --rule 'TG-ISO-*'

  # Patch files and a kustomization for a GitOps repository
  kubectl tiergate fix -f deploy/ -o kustomize --output-dir fixes/

  # The manifests themselves, rewritten with comments and key order kept
  kubectl tiergate fix -f deploy/ -o manifests --output-dir fixed/
  kubectl tiergate fix -f deploy/ -o manifests --in-place

  # Dry run on the server, show the diff, ask, then apply
  kubectl tiergate fix -n agents --apply`,
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
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: "+strings.Join(fixFormats, ", "))
	f.StringVar(&o.OutputDir, "output-dir", "", "Directory for -o kustomize and -o manifests (created if missing; existing files are not overwritten)")
	f.BoolVar(&o.InPlace, "in-place", false, "With -o manifests, rewrite the input files themselves")
	f.StringSliceVar(&o.Rules, "rule", nil, "Fix only findings of these rule IDs or globs (TG-PSS-*); repeatable")
	f.StringSliceVar(&o.Types, "type", nil, "Fix only workloads of these types: "+typeNames()+"; repeatable")
	f.StringVar(&o.MinSeverity, "min-severity", "", "Fix only findings at or above: low, medium, high, critical")
	f.BoolVar(&o.Apply, "apply", false, "Apply the fixes to the live cluster: server-side dry run and diff, confirmation, server-side apply")
	f.BoolVar(&o.Yes, "yes", false, "With --apply, do not ask for confirmation")
	f.BoolVar(&o.ForceConflicts, "force-conflicts", false, "With --apply, take ownership of fields another field manager owns (the question's o)")
	f.BoolVar(&o.AllowPending, "allow-pending", false, "With --apply or -o patch, include runtime changes whose pods would stay Pending (no node can run the class yet)")
	f.BoolVar(&o.AllowEgressGaps, "allow-egress-gaps", false, "With --apply or -o patch, include egress policies that would cut the pods off from addresses their configuration names (a public API, a Service not seen, a value from a Secret)")
	return c
}

func typeNames() string {
	var names []string
	for _, t := range policy.Types() {
		if t.IsLLM() {
			names = append(names, string(t))
		}
	}
	return strings.Join(names, ", ")
}

// Complete derives the scope and the severity threshold.
func (o *FixOptions) Complete(c *cobra.Command) error {
	o.minSeverity = policy.Severity(strings.ToLower(o.MinSeverity))
	o.Rules, o.Types = nonEmpty(o.Rules), nonEmpty(o.Types)
	return o.ScopeOptions.Complete(c)
}

// Validate checks the flags against each other.
func (o *FixOptions) Validate() error {
	if err := o.ScopeOptions.Validate(); err != nil {
		return err
	}
	if !slices.Contains(fixFormats, o.Output) {
		return fmt.Errorf("--output %q is not one of %s", o.Output, strings.Join(fixFormats, ", "))
	}
	if o.MinSeverity != "" && !o.minSeverity.Valid() {
		return fmt.Errorf("--min-severity %q is not one of low, medium, high, critical", o.MinSeverity)
	}
	for _, r := range o.Rules {
		if _, err := path.Match(r, ""); err != nil {
			return fmt.Errorf("--rule %q: bad pattern", r)
		}
		if !policy.IsGlob(r) && !slices.ContainsFunc(audit.Rules(), func(x audit.Rule) bool { return x.ID == r }) {
			return fmt.Errorf("--rule %q: no such rule (see tiergate rules)", r)
		}
	}
	for _, t := range o.Types {
		if !policy.WorkloadType(t).IsLLM() {
			return fmt.Errorf("--type %q is not one of %s", t, typeNames())
		}
	}
	switch {
	case o.Output == "kustomize" && o.OutputDir == "":
		return fmt.Errorf("-o kustomize needs --output-dir DIR")
	case o.Output == "manifests" && !o.offline():
		return fmt.Errorf("-o manifests rewrites the -f files; for a live cluster use -o patch, -o kustomize or --apply")
	case o.Output == "manifests" && (o.OutputDir == "") == !o.InPlace:
		return fmt.Errorf("-o manifests needs --output-dir DIR or --in-place (one of them)")
	case o.InPlace && o.Output != "manifests":
		return fmt.Errorf("--in-place is for -o manifests")
	case o.InPlace && slices.Contains(o.Filenames, "-"):
		return fmt.Errorf("--in-place cannot rewrite standard input; use --output-dir")
	case o.Output != "kustomize" && o.Output != "manifests" && o.OutputDir != "":
		return fmt.Errorf("--output-dir is for -o kustomize and -o manifests")
	case o.Apply && o.offline():
		return fmt.Errorf("--apply changes a live cluster; with -f use -o patch or -o kustomize")
	case o.Apply && o.Output != "patch":
		return fmt.Errorf("--apply prints its own diff; it does not take -o %s", o.Output)
	case (o.Yes || o.ForceConflicts) && !o.Apply:
		return fmt.Errorf("--yes and --force-conflicts go with --apply")
	case o.AllowPending && !o.Apply && o.Output != "patch":
		return fmt.Errorf("--allow-pending goes with --apply and -o patch (the script)")
	case o.AllowEgressGaps && !o.Apply && o.Output != "patch":
		return fmt.Errorf("--allow-egress-gaps goes with --apply and -o patch (the script)")
	case o.Apply && !o.Yes && !canAsk(o.In):
		// Refused before anything is read from the cluster: the dry run
		// would be work for nobody to confirm.
		return fmt.Errorf("--apply asks before it changes anything and standard input is no terminal: add --yes (and --force-conflicts to take fields other managers own)")
	}
	return nil
}

// selects keeps the findings the flags choose.
func (o *FixOptions) selects(r *audit.Result, f *audit.Finding) bool {
	if len(o.Types) > 0 && !slices.Contains(o.Types, string(r.Type)) {
		return false
	}
	if o.minSeverity != "" && f.Severity.Rank() < o.minSeverity.Rank() {
		return false
	}
	if len(o.Rules) == 0 {
		return true
	}
	for _, pat := range o.Rules {
		if ok, _ := path.Match(pat, f.Rule); ok {
			return true
		}
	}
	return false
}

// Run audits, computes the fixes and writes or applies them.
func (o *FixOptions) Run(ctx context.Context) error {
	if err := o.Resolve(); err != nil {
		return err
	}
	var (
		inv     *audit.Inventory
		clients *cluster.Clients
		files   []manifest.File
		err     error
	)
	if o.offline() {
		inv, _, files, err = o.loadFileSet(o.In, o.ErrOut, false)
	} else {
		inv, clients, err = o.loadLive(ctx)
	}
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, gap := range inv.Gaps {
		fmt.Fprintln(o.ErrOut, "tiergate: not visible: "+gap)
	}
	aopts := audit.Options{Now: o.now()}
	rep := o.engine.Audit(inv, aopts)
	ropts := remediate.Options{Select: o.selects, Audit: aopts}
	var live applier.Live
	if clients != nil {
		// Live, a pod's fix is computed from its owner's template: the
		// pod may hold containers a webhook injected.
		live = applier.ReadLive(ctx, clients.Dynamic, remediate.OwnerTargets(inv, rep, o.selects))
		ropts.Owners = live.Owners
		for _, g := range live.Gaps {
			fmt.Fprintln(o.ErrOut, "tiergate: not read, its fix is computed from a pod's spec: "+g)
		}
		// The Services the workloads are pointed at, in any namespace:
		// their pods are what the egress fixes allow.
		var gaps []string
		ropts.Services, gaps = applier.ReadServices(ctx, clients.Dynamic, remediate.ServiceRefs(inv, rep, o.selects))
		for _, g := range gaps {
			fmt.Fprintln(o.ErrOut, "tiergate: not read, its egress rule is left to fill in: "+g)
		}
	}
	res, err := remediate.Compute(o.engine, inv, rep, ropts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if len(inv.Workloads) == 0 && inv.FilteredOut > 0 {
		fmt.Fprintf(o.ErrOut, "tiergate: no workloads match %s (%d left out)\n", o.describe(), inv.FilteredOut)
	}
	switch {
	case o.Apply:
		return o.apply(ctx, clients, res)
	case o.Output == "json":
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case o.Output == "kustomize":
		return o.writeKustomize(res)
	case o.Output == "manifests":
		return o.writeManifests(files, res)
	}
	sopts := remediate.ScriptOptions{Kubectl: o.kubectl(), Source: o.scopeLabel(), Hold: remediate.HoldOptions{AllowPending: o.AllowPending, AllowEgressGaps: o.AllowEgressGaps}}
	if clients != nil {
		sopts.Notes = o.gitopsNotes(ctx, clients, res, live)
	}
	return remediate.WriteScript(o.Out, res, sopts)
}

// gitopsNotes says which objects the script would change live that a
// delivery tool manages; the owners were read already, the other targets
// (ServiceAccounts) are read now. An object that cannot be read gets no
// note: its command fails on its own when run.
func (o *FixOptions) gitopsNotes(ctx context.Context, clients *cluster.Clients, res *remediate.Result, live applier.Live) map[remediate.Target]string {
	notes := map[remediate.Target]string{}
	var unread []remediate.Target
	for _, c := range res.Changes {
		if _, read := live.Owners[c.Target]; !read && !c.Recreate && !slices.Contains(unread, c.Target) {
			unread = append(unread, c.Target)
		}
	}
	more := applier.ReadLive(ctx, clients.Dynamic, unread)
	for _, m := range []map[remediate.Target]*applier.GitOps{live.GitOps, more.GitOps} {
		for t, g := range m {
			notes[t] = g.Note()
		}
	}
	return notes
}

// scopeLabel says what was audited, for the script's header.
func (o *FixOptions) scopeLabel() string {
	if o.offline() {
		return "files " + strings.Join(o.Filenames, ", ")
	}
	ctxName, _ := o.contextAndServer()
	return "context " + ctxName + " " + o.title()
}

// kubectl is the command the script runs, pinned to the context the
// audit read, so that the script cannot patch another cluster.
func (o *FixOptions) kubectl() string {
	if o.offline() {
		return "kubectl"
	}
	ctxName, _ := o.contextAndServer()
	k := "kubectl"
	if p := o.kube.KubeConfig; p != nil && *p != "" {
		k += " --kubeconfig " + remediate.ShellWord(*p)
	}
	if ctxName != "" {
		k += " --context " + remediate.ShellWord(ctxName)
	}
	return k
}
