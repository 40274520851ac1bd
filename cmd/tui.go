package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
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
	if !isTerminal(o.In) || !isTerminal(o.Out) {
		return errors.New("no terminal: the interactive view needs one; for a report use 'tiergate audit' (e.g. tiergate audit -A -o json)")
	}
	return nil
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(file.Fd())
}

// Run starts the app on files or on the live cluster and returns when the
// user quits.
func (o *TUIOptions) Run(ctx context.Context) error {
	if err := o.Resolve(); err != nil {
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
		// What needs no server is checked now; the first contact is the
		// view's, so that a slow or hung server shows "connecting…" and
		// then its error in place, never a blank terminal.
		if err := o.haveCluster(); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		feeds := newLiveFeeds(ctx, o.ScopeOptions)
		defer feeds.stopAll()
		cfg.Namespace, cfg.Open = o.namespace, feeds.open
		// The view writes only when the user presses a, then y.
		rc, err := o.kube.ToRESTConfig()
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))}
		}
		// A server warning printed to stderr would tear the screen: the
		// fix view shows the applier's with each object's dry run, and
		// the reads' are not shown.
		rc = rest.CopyConfig(rc)
		rc.WarningHandler = rest.NoWarnings{}
		clients, err := cluster.NewClients(rc)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if cfg.Applier, err = applier.New(rc); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if o.Metrics.Enabled {
			c, err := o.Metrics.collector(rc)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			cfg.Metrics, cfg.MetricsInterval = c.Collect, o.Metrics.Interval
		}
		// p probes only when pressed: exec (cat) or the ephemeral image.
		cfg.Probe = (&probe.Prober{Client: clients.Kube, Config: clients.Config, Image: o.ProbeImage}).Probe
		cfg.Owners = func(ctx context.Context, targets []remediate.Target, refs []remediate.ServiceRef) (map[remediate.Target]*audit.Workload, []corev1.Service) {
			// Unread: a built-in owner's pod is fixed from its own spec, a
			// custom resource's left to a human; a Service's rule is left
			// to fill in (the fix says which).
			owners, _ := applier.ReadOwners(ctx, clients.Dynamic, targets)
			services, _ := applier.ReadServices(ctx, clients.Dynamic, refs)
			return owners, services
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

// liveFeeds opens live sources for the view: the first for the scope the
// flags name, then one per ":ns" outside it. The view stops each when it
// leaves it; whatever still runs when the program ends is stopped then.
type liveFeeds struct {
	opts    ScopeOptions
	ctx     context.Context
	mu      sync.Mutex
	next    int
	running map[int]func()
}

func newLiveFeeds(ctx context.Context, opts ScopeOptions) *liveFeeds {
	return &liveFeeds{opts: opts, ctx: ctx, running: map[int]func(){}}
}

// open starts a source for namespace ("" for all): access checks,
// informers, and the wait for their first list in the background. Until
// it is done the view says "syncing"; what fails to list becomes a gap,
// and a pod list that fails shows as the snapshots' error.
func (f *liveFeeds) open(namespace string) (*ui.Feed, error) {
	o := f.opts
	o.namespace = namespace
	o.AllNamespaces = namespace == ""
	ctx, cancel := context.WithCancel(f.ctx)
	src, request, err := o.source(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	ch := src.Subscribe()
	src.Start(ctx)
	go func() {
		syncCtx, stop := context.WithTimeout(ctx, syncTimeout(request))
		defer stop()
		_ = src.WaitForSync(syncCtx)
	}()
	f.mu.Lock()
	id := f.next
	f.next++
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			src.Stop()
			f.mu.Lock()
			delete(f.running, id)
			f.mu.Unlock()
		})
	}
	f.running[id] = stop
	f.mu.Unlock()
	return &ui.Feed{Snapshots: ch, Scope: o.title(), Stop: stop}, nil
}

func (f *liveFeeds) stopAll() {
	f.mu.Lock()
	var stops []func()
	for _, stop := range f.running {
		stops = append(stops, stop)
	}
	f.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
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
