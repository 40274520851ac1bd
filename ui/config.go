package ui

import (
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
)

// Config is what the app shows and where its data comes from.
type Config struct {
	// Context, Server and Scope describe the source in the header.
	Context, Server, Scope string
	// Namespace is the live source's namespace, "" for all namespaces.
	Namespace string
	// Snapshots streams live snapshots; Static is a single one (files).
	Snapshots <-chan *cluster.Snapshot
	Static    *cluster.Snapshot
	// Open, when set, opens a live feed for another namespace ("" for
	// all): ":ns NAME" outside the current scope switches to it. It is
	// called off the UI goroutine. StopFeed stops the first feed
	// (Snapshots) when the app switches away from it.
	Open     func(namespace string) (*Feed, error)
	StopFeed func()
	// Contexts are the kubeconfig's contexts (":ctx NAME" completes them,
	// ":ctx all" opens them all); OpenContext opens a feed of one of them,
	// with the flags' scope and that cluster's own Tools. It is called
	// off the UI goroutine; nil on files. Fleet, when set, are the
	// contexts the view opens at once from the start (--contexts,
	// --all-contexts).
	Contexts    []string
	OpenContext func(name string) (*Feed, error)
	Fleet       []string
	// Engine audits the snapshots and computes fixes (f in the detail
	// view); it is shared by the commands that run at once.
	Engine *audit.Engine
	// Applier applies fixes (a in the fix view) to the live cluster, and
	// Owners reads the objects they patch; nil on files.
	// The server's warnings come with each object's outcome (printed to
	// stderr they would tear the screen).
	Applier Applier
	Owners  OwnerReader
	// Metrics reads the pods' RSS, tokens/s and GPU use every
	// MetricsInterval; nil on files or with --metrics=false.
	Metrics         MetricsReader
	MetricsInterval time.Duration
	// Probe reads a pod's kernel when the user presses p; nil on files.
	Probe ProbeFunc
	// Now is the clock for exemption expiry.
	Now func() time.Time
}

// Tools are what acts on one cluster: its kernel probe, the reader of
// the owners a fix patches, the applier and the figures' reader (nil on
// files). Each cluster of the view has its own: a row's probe or fix
// goes to the row's cluster.
type Tools struct {
	Probe   ProbeFunc
	Owners  OwnerReader
	Applier Applier
	Metrics MetricsReader
}

// tools are the Config's own, the first cluster's.
func (c Config) tools() Tools {
	return Tools{Probe: c.Probe, Owners: c.Owners, Applier: c.Applier, Metrics: c.Metrics}
}
