package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/ui"
)

// TUIOptions run the interactive view.
type TUIOptions struct {
	ScopeOptions
	genericiooptions.IOStreams
}

// Complete derives the scope and the engine.
func (o *TUIOptions) Complete(c *cobra.Command) error { return o.ScopeOptions.Complete(c) }

// Validate checks the flags and that there is a terminal to draw on.
func (o *TUIOptions) Validate() error {
	if err := o.ScopeOptions.Validate(); err != nil {
		return err
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
	ctxName, server := o.contextAndServer()
	cfg := ui.Config{Context: ctxName, Server: server, Scope: o.title(), Engine: o.engine}
	if o.offline() {
		inv, _, err := o.loadFiles(o.In, false)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		cfg.Context, cfg.Server = "", ""
		cfg.Static = &cluster.Snapshot{Generation: 1, Synced: true, Inventory: inv, Time: time.Now()}
	} else {
		feeds := &liveFeeds{opts: o.ScopeOptions, ctx: ctx}
		defer feeds.stopAll()
		feed, err := feeds.open(o.namespace)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		cfg.Snapshots, cfg.Namespace, cfg.Open = feed.Snapshots, o.namespace, feeds.open
	}
	p := tea.NewProgram(ui.New(cfg), tea.WithContext(ctx), tea.WithInput(o.In), tea.WithOutput(o.Out))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		return fmt.Errorf("terminal: %v", err)
	}
	return nil
}

// liveFeeds opens live sources for the view: the first for the scope the
// flags name, then one per ":ns" outside it. Each is stopped when the
// view leaves it, and all of them when the program ends.
type liveFeeds struct {
	opts  ScopeOptions
	ctx   context.Context
	mu    sync.Mutex
	stops []func()
}

// open starts a source for namespace ("" for all): access checks,
// informers, and the wait for their first list in the background. Until
// it is done the view says "syncing"; what fails to list becomes a gap,
// and a pod list that fails shows as the snapshots' error.
func (f *liveFeeds) open(namespace string) (*ui.Feed, error) {
	o := f.opts
	o.namespace = namespace
	o.AllNamespaces = namespace == ""
	src, request, err := o.source(f.ctx)
	if err != nil {
		return nil, err
	}
	ch := src.Subscribe()
	src.Start(f.ctx)
	go func() {
		syncCtx, stop := context.WithTimeout(f.ctx, syncTimeout(request))
		defer stop()
		_ = src.WaitForSync(syncCtx)
	}()
	var once sync.Once
	stop := func() { once.Do(src.Stop) }
	f.mu.Lock()
	f.stops = append(f.stops, stop)
	f.mu.Unlock()
	return &ui.Feed{Snapshots: ch, Scope: o.title(), Stop: stop}, nil
}

func (f *liveFeeds) stopAll() {
	f.mu.Lock()
	stops := f.stops
	f.stops = nil
	f.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}
