package ui

import (
	"net/url"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
)

// Feed is one live stream of snapshots, for one namespace scope of one
// cluster.
type Feed struct {
	Snapshots <-chan *cluster.Snapshot
	Scope     string // "namespace rag", "all namespaces"
	Stop      func()
	// Context, Server and Namespace say which cluster and namespace a
	// context's feed (Config.OpenContext) reads, Tools what acts on it;
	// a namespace's feed (Config.Open) leaves them empty: same cluster.
	// Open opens another namespace of a context's cluster (:ns).
	Context, Server, Namespace string
	Tools                      *Tools
	Open                       func(namespace string) (*Feed, error)
}

// source is where the data comes from: files (static) or a live feed,
// which :ns can replace with another namespace's.
type source struct {
	// context, server and scope describe it in the header and the info
	// overlay; namespace is the live feed's, "" for all namespaces.
	context, server, scope, namespace string
	static                            *cluster.Snapshot
	snapshots                         <-chan *cluster.Snapshot
	// open opens a feed for another namespace (nil on files); stop stops
	// the feed on screen.
	open func(namespace string) (*Feed, error)
	stop func()
	// contexts are the kubeconfig's, openContext opens one (nil on
	// files); fleetNames are those to open at once from the start.
	contexts    []string
	openContext func(name string) (*Feed, error)
	fleetNames  []string
	// epoch counts feeds: messages from an older one are dropped. openSeq
	// numbers the requests to open one: a slower, older one that
	// completes after a newer one is stopped unseen.
	epoch, openSeq uint64
	// connecting: the first feed is being opened (the server may be slow
	// or away); connectErr is why the last try failed.
	connecting bool
	connectErr error
}

// reconnectDelay is how long the view waits before trying a server it
// could not reach again.
const reconnectDelay = 5 * time.Second

// connectError is why the view never reached the cluster, if it did not.
func (s *session) connectError() error {
	if s.src.connecting {
		return s.src.connectErr
	}
	return nil
}

func (s *session) onReconnect(m reconnectMsg) tea.Cmd {
	if !s.src.connecting || m.seq != s.src.openSeq {
		return nil
	}
	s.src.openSeq++
	return openFeedCmd(s.src.open, s.src.namespace, s.src.openSeq)
}

// onFirstFeedFailed keeps the error on screen, where the table will be,
// and tries again after a while; q quits.
func (s *session) onFirstFeedFailed(err error) tea.Cmd {
	s.src.connectErr = err
	seq := s.src.openSeq
	return tea.Tick(reconnectDelay, func(time.Time) tea.Msg { return reconnectMsg{seq: seq} })
}

// openNamespace takes ":ns NAME" ("" for all namespaces). Every :ns
// cancels a switch still pending. Live, a namespace outside the feed's
// scope means a new feed, as k9s does; within it (or on files) nil is
// returned, and the table filters.
func (s *session) openNamespace(ns string) tea.Cmd {
	// The fleet's feeds hold the flags' scope: :ns filters them.
	if s.fleet == nil && s.src.open != nil && ns != s.src.namespace && s.src.namespace != "" {
		s.src.openSeq++
		s.out.send(noticeMsg{text: "switching to " + scopeTitle(ns) + "…"})
		return openFeedCmd(s.src.open, ns, s.src.openSeq)
	}
	// A :ns within the scope cancels a pending switch, but never the
	// first connection: its answer (or its retry) must still land.
	if !s.src.connecting {
		s.src.openSeq++
	}
	return nil
}

// namespaceFilter is the table's namespace filter for ":ns NAME" within
// the scope: none when it names the whole scope.
func (s *session) namespaceFilter(ns string) string {
	if ns == s.src.namespace {
		return ""
	}
	return ns
}

// namespaceNote says when a namespace within the scope holds nothing.
func (s *session) namespaceNote(ns string) string {
	if ns != "" && s.data.report != nil && !hasNamespace(s.data.report.Workloads, ns) {
		return "no workloads in namespace " + ns + " (scope: " + s.src.scope + ")"
	}
	return ""
}

// onFeedOpened switches to the feed of another namespace: the old feed
// stops, and the view says "syncing" until the new one has listed.
func (s *session) onFeedOpened(m feedOpenedMsg) tea.Cmd {
	if m.seq != s.src.openSeq { // superseded by a later :ns
		if m.feed != nil {
			return stopFeedCmd(m.feed.Stop)
		}
		return nil
	}
	if m.err != nil && s.src.connecting {
		return s.onFirstFeedFailed(m.err)
	}
	if m.err != nil {
		what := scopeTitle(m.namespace)
		if m.context != "" {
			what = "context " + m.context
		}
		s.out.send(noticeMsg{text: "cannot switch to " + what + ": " + oneLine(m.err.Error())})
		return nil
	}
	s.src.connecting, s.src.connectErr = false, nil
	cmds := s.leave()
	s.switchCluster(m.feed)
	s.src.epoch++
	s.src.stop = m.feed.Stop
	s.src.snapshots, s.src.namespace, s.src.scope = m.feed.Snapshots, m.namespace, textutil.Printable(m.feed.Scope)
	// An audit of the old feed may still run: its result is dropped by
	// epoch. The probes stay: they are by pod UID.
	auditing := s.data.auditing
	s.data = dataState{auditing: auditing}
	s.figures.reading = figureReading{}
	s.out.send(feedSwitchedMsg{})
	cmds = append(cmds, waitSnapshot(m.feed.Snapshots, s.src.epoch))
	return tea.Batch(cmds...)
}

// displayServer is the server URL for the screen: credentials in its
// user part are redacted, control characters escaped.
func displayServer(server string) string {
	if u, err := url.Parse(server); err == nil && u.User != nil {
		server = u.Redacted()
	}
	return textutil.Printable(server)
}

func scopeTitle(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}

func hasNamespace(rs []audit.Result, ns string) bool {
	for i := range rs {
		if rs[i].Namespace == ns {
			return true
		}
	}
	return false
}
