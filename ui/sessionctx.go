package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/internal/textutil"
)

// openContext takes ":ctx NAME", as k9s's :ctx: the context's cluster
// replaces the one on screen once its feed opens (the latest request
// wins); ":ctx all" opens every context at once. A name the kubeconfig
// lacks is said, and the data on screen stays.
func (s *session) openContext(name string) tea.Cmd {
	notice := func(text string) tea.Cmd {
		s.out.send(noticeMsg{text: text})
		return nil
	}
	switch {
	case s.src.openContext == nil:
		return notice(":ctx switches kubeconfig contexts of a live cluster; files have none")
	case len(s.src.contexts) == 0:
		return notice("the kubeconfig has no context to switch to")
	case name == "":
		return notice(s.contextsLine())
	case name == "all":
		return s.openFleet(s.src.contexts)
	case !slices.Contains(s.src.contexts, name):
		return notice("unknown context " + textutil.Printable(name) + " (the kubeconfig has " + strings.Join(s.src.contexts, ", ") + ")")
	case s.fleet == nil && !s.src.connecting && name == s.src.context:
		s.src.openSeq++ // cancels a switch still pending
		return notice("already on context " + name)
	}
	s.src.openSeq++
	s.out.send(noticeMsg{text: "switching to context " + name + "…"})
	return openContextCmd(s.src.openContext, name, s.src.openSeq)
}

// contextsLine lists the kubeconfig's contexts and the one on screen.
func (s *session) contextsLine() string {
	on := "all (" + itoa(len(s.src.contexts)) + ")"
	if s.fleet == nil {
		on = textutil.OrDash(s.src.context)
	}
	return "contexts: " + strings.Join(s.src.contexts, ", ") + " (on screen: " + on + "); :ctx NAME switches, :ctx all opens them all"
}

// openContextCmd opens a context's feed off the UI goroutine (it
// connects); open is captured when the command is made.
func openContextCmd(open func(string) (*Feed, error), name string, seq uint64) tea.Cmd {
	return func() tea.Msg {
		f, err := open(name)
		m := feedOpenedMsg{seq: seq, context: name, feed: f, err: err}
		if f != nil {
			m.namespace = f.Namespace
		}
		return m
	}
}

// leave stops every feed on screen, the one cluster's or the fleet's:
// another takes its place.
func (s *session) leave() []tea.Cmd {
	var cmds []tea.Cmd
	if s.src.stop != nil {
		cmds = append(cmds, stopFeedCmd(s.src.stop))
		s.src.stop = nil
	}
	if s.fleet != nil {
		for _, m := range s.fleet.members {
			if m.stop != nil {
				cmds = append(cmds, stopFeedCmd(m.stop))
			}
		}
		s.fleet = nil
	}
	return cmds
}

// switchCluster takes the cluster of a context's feed: the header names
// it, and its tools probe, fix and read figures from now on. A
// namespace's feed is of the same cluster and changes none of it.
func (s *session) switchCluster(f *Feed) {
	if f.Context == "" {
		return
	}
	s.src.context, s.src.server = textutil.Printable(f.Context), displayServer(f.Server)
	if f.Open != nil {
		s.src.open = f.Open
	}
	if f.Tools != nil {
		s.tools = *f.Tools
	}
	s.figures.read = s.tools.Metrics
}

// where names the cluster on screen for the header: the context and its
// server, or the fleet's count of contexts.
func (s *session) where() (context, server string) {
	if s.fleet != nil {
		return "all (" + itoa(len(s.fleet.members)) + ")", ""
	}
	return s.src.context, s.src.server
}
