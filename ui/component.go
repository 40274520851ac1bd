package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
)

// component is one part of the screen: a view (table, detail, nodes,
// fix), an overlay (help, info) or the command/filter line. It owns its
// state and its keys; it gets what it shows through its methods or
// messages, never by reaching into another component, and asks the root
// for anything beyond itself through its outbox.
type component interface {
	Init() tea.Cmd
	// Update takes a message: keys when it has the focus, and the
	// session's news (reportMsg, figuresMsg, ...) always.
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	// KeyMap is its bindings, for the help overlay.
	KeyMap() help.KeyMap
}

// view is a component that fills the body: the root switches between
// them. Status is its part of the status line.
type view interface {
	component
	Status() string
}

// viewID names the views the root switches between.
type viewID int

const (
	viewTable viewID = iota
	viewDetail
	viewNodes
	viewFix
)

// outbox carries what components (and the session) ask of the root. The
// root handles each request within the Update that made it, so that a
// key which opens a view has opened it before the next key arrives.
type outbox struct{ msgs []tea.Msg }

func (o *outbox) send(m tea.Msg) { o.msgs = append(o.msgs, m) }

// take empties the outbox.
func (o *outbox) take() []tea.Msg {
	m := o.msgs
	o.msgs = nil
	return m
}

// Requests to the root.
type (
	// showViewMsg switches to a view.
	showViewMsg struct{ view viewID }
	// openDetailMsg opens the detail view of a workload.
	openDetailMsg struct{ res *audit.Result }
	// probeRequestMsg asks for a probe of a pod's kernel.
	probeRequestMsg struct{ res *audit.Result }
	// probeManyMsg asks for probes of the pods among res that claim more
	// than their node's kernel (P: the rows on screen).
	probeManyMsg struct{ res []*audit.Result }
	// fixRequestMsg asks for the fix of a workload.
	fixRequestMsg struct{ res *audit.Result }
	// openInputMsg opens the filter or command line, holding value.
	openInputMsg struct {
		mode  inputMode
		value string
	}
	// filterTextMsg is the filter line's text, as it is typed.
	filterTextMsg struct{ text string }
	// commandMsg is a ":" command line, entered.
	commandMsg struct{ line string }
	// closeOverlayMsg closes the help or info overlay.
	closeOverlayMsg struct{}
	// noticeMsg is a one-off message for the status line.
	noticeMsg struct{ text string }
)

// The session's news, for every view.
type (
	// reportMsg is a new audit on screen, with the table's sort and
	// filter keys.
	reportMsg struct {
		rep     *audit.Report
		entries []entry
		// namespaces are those of the data on screen (listed live, or
		// holding workloads), sorted: the command line completes them.
		namespaces []string
	}
	// figuresMsg is a new reading of the live figures.
	figuresMsg struct {
		pods map[metrics.PodKey]*metrics.Pod
	}
	// feedSwitchedMsg says the data on screen went with the feed it came
	// from (:ns opened another namespace's).
	feedSwitchedMsg struct{}
	// probeErrorMsg is why a probe of the pod uid failed ("": a later one
	// succeeded).
	probeErrorMsg struct{ uid, text string }
)

// wheelDelta is how far a notch of the mouse wheel moves: three lines.
func wheelDelta(m tea.MouseWheelMsg) int {
	switch m.Button {
	case tea.MouseWheelUp:
		return -3
	case tea.MouseWheelDown:
		return 3
	}
	return 0
}

// scroll moves a viewport by a navigation key; it says whether the key
// was one.
func scroll(vp *viewport.Model, k navKeys, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}
