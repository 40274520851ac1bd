package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/probe"
	"github.com/tiergate/tiergate/remediate"
	"github.com/tiergate/tiergate/ui"
)

// TUIOptions run the interactive view.
type TUIOptions struct {
	ScopeOptions
	genericiooptions.IOStreams
	Metrics MetricsOptions
	// ProbeImage makes p probe through an ephemeral container running
	// tiergate from this image instead of cat over exec.
	ProbeImage string
	// Fleet opens several contexts at once (--contexts, --all-contexts),
	// as the fleet audit does; ":ctx all" does it from within.
	Fleet FleetOptions

	flags *pflag.FlagSet
}

// Complete derives the scope and the engine.
func (o *TUIOptions) Complete(c *cobra.Command) error {
	o.flags = c.Flags()
	return o.ScopeOptions.Complete(c)
}

// Validate checks the flags and that there is a terminal to draw on.
func (o *TUIOptions) Validate() error {
	if err := o.ScopeOptions.Validate(); err != nil {
		return err
	}
	if err := o.Metrics.Validate(o.offline(), o.flags); err != nil {
		return err
	}
	if o.ProbeImage != "" && o.offline() {
		return errors.New("--probe-image probes live pods; files (-f) have none")
	}
	// The view reads figures of one cluster at a time and probes each
	// row in its own: neither is refused in the fleet.
	if err := o.Fleet.validate(o.offline(), false, false, o.flags.Changed("contexts"), "table", o.singleClusterFlags()); err != nil {
		return err
	}
	if !isTerminal(o.In) || !isTerminal(o.Out) {
		return errors.New("no terminal: the interactive view needs one; for a report use 'tiergate audit' (e.g. tiergate audit -A -o json)")
	}
	return nil
}

// addViewFlags adds the fleet audit's flags that open the view on
// several contexts (--fail-on-unreachable has no meaning here: each
// cluster's state is on screen).
func (o *FleetOptions) addViewFlags(f *pflag.FlagSet) {
	f.StringSliceVar(&o.Contexts, "contexts", nil, "Open these kubeconfig contexts (comma-separated) at once, each row with its cluster (inside the view: :ctx NAME, :ctx all)")
	f.BoolVar(&o.AllContexts, "all-contexts", false, "Open every context of the kubeconfig at once")
	f.DurationVar(&o.ClusterTimeout, "cluster-timeout", 2*time.Minute, "How long one context may take to connect before it is shown as unreachable")
	f.IntVar(&o.Concurrency, "cluster-concurrency", 4, "Contexts that connect at once")
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(file.Fd())
}

// Run starts the app on files or on the live cluster and returns when the
// user quits.
func (o *TUIOptions) Run(ctx context.Context) error {
	flagScope := o.ScopeOptions // before Resolve: each context's namespace is its own
	if o.Fleet.fleet() {
		if err := o.missingKubeconfig(); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
	} else if err := o.Resolve(); err != nil {
		return err
	}
	ctxName, server := o.contextAndServer()
	cfg := ui.Config{Context: ctxName, Server: server, Scope: o.title(), Engine: o.engine}
	if o.offline() {
		inv, _, err := o.loadFiles(o.In, o.ErrOut, false)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		cfg.Context, cfg.Server = "", ""
		cfg.Static = &cluster.Snapshot{Generation: 1, Synced: true, Inventory: inv, Time: time.Now()}
	} else {
		feeds := newLiveFeeds(ctx, flagScope, o.clusterTools, o.Fleet)
		defer feeds.stopAll()
		if err := o.liveConfig(&cfg, feeds); err != nil {
			return err
		}
	}
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(o.In), tea.WithOutput(o.Out)}
	if profile, ok := forcedProfile(os.Getenv); ok {
		opts = append(opts, tea.WithColorProfile(profile))
	}
	p := tea.NewProgram(ui.New(cfg), opts...)
	final, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		return fmt.Errorf("terminal: %v", err)
	}
	if app, ok := final.(*ui.App); ok && app.QuitDuringApply() {
		return &ExitError{Code: ExitFindings, Err: errors.New("tiergate: quit while a fix was being applied: some objects may have changed; 'tiergate fix --apply' shows what is left")}
	}
	if app, ok := final.(*ui.App); ok && app.ConnectError() != nil {
		return &ExitError{Code: ExitUsage, Err: app.ConnectError()}
	}
	return nil
}

// liveConfig wires the view to the live clusters: the kubeconfig's
// contexts for :ctx, and either the fleet the flags name or the current
// context with its tools.
func (o *TUIOptions) liveConfig(cfg *ui.Config, feeds *liveFeeds) error {
	// What needs no server is checked now; the first contact is the
	// view's, so that a slow or hung server shows "connecting…" and then
	// its error in place, never a blank terminal.
	if err := o.haveCluster(); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	cfg.OpenContext = feeds.openContext
	if o.Metrics.Enabled {
		// Also for the fleet: :ctx NAME reads one cluster's figures.
		cfg.MetricsInterval = o.Metrics.Interval
	}
	if raw, err := o.kube.ToRawKubeConfigLoader().RawConfig(); err == nil {
		cfg.Contexts = contextNames(raw)
	}
	if o.Fleet.fleet() {
		_, names, err := o.Fleet.resolve(o.kube.ToRawKubeConfigLoader())
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		cfg.Fleet, cfg.Context, cfg.Server = names, "", ""
		if o.namespace == "" && !o.AllNamespaces {
			cfg.Scope = "each context's namespace"
		}
		return nil
	}
	cfg.Namespace, cfg.Open = o.namespace, feeds.open
	rc, err := o.kube.ToRESTConfig()
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))}
	}
	tools, err := o.clusterTools(rc)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	cfg.Probe, cfg.Owners, cfg.Applier, cfg.Metrics = tools.Probe, tools.Owners, tools.Applier, tools.Metrics
	return nil
}

// clusterTools are what acts on one cluster: p probes only when pressed
// (exec of cat, or the ephemeral image); the view writes only when the
// user presses a, then y; figures are read when --metrics is on.
func (o *TUIOptions) clusterTools(rc *rest.Config) (ui.Tools, error) {
	// A server warning printed to stderr would tear the screen: the fix
	// view shows the applier's with each object's dry run, and the
	// reads' are not shown.
	rc = rest.CopyConfig(rc)
	rc.WarningHandler = rest.NoWarnings{}
	clients, err := cluster.NewClients(rc)
	if err != nil {
		return ui.Tools{}, err
	}
	var t ui.Tools
	if t.Applier, err = applier.New(rc); err != nil {
		return ui.Tools{}, err
	}
	if o.Metrics.Enabled {
		c, err := o.Metrics.collector(rc)
		if err != nil {
			return ui.Tools{}, err
		}
		t.Metrics = c.Collect
	}
	t.Probe = (&probe.Prober{Client: clients.Kube, Config: clients.Config, Image: o.ProbeImage}).Probe
	t.Owners = func(ctx context.Context, targets []remediate.Target, refs []remediate.ServiceRef) (map[remediate.Target]*audit.Workload, []corev1.Service) {
		// Unread: a built-in owner's pod is fixed from its own spec, a
		// custom resource's left to a human; a Service's rule is left to
		// fill in (the fix says which).
		owners, _ := applier.ReadOwners(ctx, clients.Dynamic, targets)
		services, _ := applier.ReadServices(ctx, clients.Dynamic, refs)
		return owners, services
	}
	return t, nil
}

// forcedProfile is the colour profile the environment imposes: NO_COLOR
// set to anything (no-color.org) means none, where colorprofile alone
// honours only values it parses as true.
func forcedProfile(getenv func(string) string) (colorprofile.Profile, bool) {
	if getenv("NO_COLOR") != "" {
		return colorprofile.ASCII, true
	}
	return 0, false
}
