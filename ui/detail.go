package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
)

// detailView explains one workload: why it got its type, its isolation
// chain, its GPUs and each finding with its rationale. It follows its
// workload across refreshes (by resultKey) until it is closed.
type detailView struct {
	styles *Styles
	keys   detailKeys
	out    *outbox
	rules  map[string]audit.Rule
	vp     viewport.Model
	key    string        // which result is shown
	res    *audit.Result // its latest audit; nil: none followed
	gone   bool          // it left the cluster (or the scope) since
	width  int
	// live: figures are read; figures are the last collection's.
	live    bool
	figures map[metrics.PodKey]*metrics.Pod
	// probeErrs are why probes of pods failed, by pod UID, in full: the
	// status line has room for one line of them only.
	probeErrs map[string]string
}

func newDetailView(styles *Styles, out *outbox, live bool) *detailView {
	rules := map[string]audit.Rule{}
	for _, r := range audit.Rules() {
		rules[r.ID] = r
	}
	return &detailView{styles: styles, keys: newDetailKeys(), out: out, rules: rules, vp: viewport.New(), live: live}
}

func (d *detailView) Init() tea.Cmd { return nil }

func (d *detailView) KeyMap() help.KeyMap { return d.keys }

// Status is the detail view's part of the status line.
func (d *detailView) Status() string { return "f fix · esc back · ↑/↓ scroll" }

// Update takes its keys and the wheel when it has the focus, and the
// session's news always: a new report refreshes the workload shown (or
// marks it gone), figures and probe errors redraw it.
func (d *detailView) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		d.onKey(m)
	case tea.MouseWheelMsg:
		d.vp.SetYOffset(d.vp.YOffset() + wheelDelta(m))
	case reportMsg:
		d.follow(m.rep)
	case figuresMsg:
		d.SetFigures(m.pods)
	case feedSwitchedMsg:
		d.SetFigures(nil)
		d.Close()
	case probeErrorMsg:
		d.SetProbeError(m.uid, m.text)
	}
	return nil
}

func (d *detailView) onKey(msg tea.KeyPressMsg) {
	k := d.keys
	switch {
	case key.Matches(msg, k.Back):
		d.out.send(showViewMsg{view: viewTable})
	case key.Matches(msg, k.Fix):
		switch {
		case d.res == nil:
		case d.gone:
			d.out.send(noticeMsg{text: "the workload is gone; nothing to fix"})
		default:
			d.out.send(fixRequestMsg{res: d.res})
		}
	case key.Matches(msg, k.Probe):
		if d.res != nil {
			d.out.send(probeRequestMsg{res: d.res})
		}
	case key.Matches(msg, k.Nodes):
		d.out.send(showViewMsg{view: viewNodes})
	default:
		scroll(&d.vp, k.nav, msg)
	}
}

// follow shows the followed workload's audit in a new report, or marks
// it gone.
func (d *detailView) follow(rep *audit.Report) {
	if d.res == nil {
		return
	}
	for i := range rep.Workloads {
		if resultKey(&rep.Workloads[i]) == d.key {
			d.Show(&rep.Workloads[i])
			return
		}
	}
	d.Gone()
}

// SetProbeError records why a probe of the pod uid failed ("" when a
// later one succeeded) and shows it if that pod is on screen.
func (d *detailView) SetProbeError(uid, msg string) {
	if d.probeErrs == nil {
		d.probeErrs = map[string]string{}
	}
	if msg == "" {
		delete(d.probeErrs, uid)
	} else {
		d.probeErrs[uid] = msg
	}
	if d.res != nil && d.res.UID == uid {
		d.redraw()
	}
}

// SetFigures shows a new collection of live figures.
func (d *detailView) SetFigures(f map[metrics.PodKey]*metrics.Pod) {
	d.figures = f
	d.redraw()
}

func (d *detailView) SetSize(w, h int) {
	d.width = w
	d.vp.SetWidth(w)
	d.vp.SetHeight(max(1, h))
	d.redraw() // rewrap at the new width
}

// redraw renders the shown workload again in place.
func (d *detailView) redraw() {
	if d.res == nil {
		return
	}
	y := d.vp.YOffset()
	d.vp.SetContent(d.render(d.res))
	d.vp.SetYOffset(y)
}

// Show renders a result into the viewport; refreshing the same workload
// keeps the scroll position.
func (d *detailView) Show(r *audit.Result) {
	y := d.vp.YOffset()
	same := d.key == resultKey(r)
	d.key, d.res, d.gone = resultKey(r), r, false
	d.vp.SetContent(d.render(r))
	if same {
		d.vp.SetYOffset(y)
	} else {
		d.vp.GotoTop()
	}
}

// Gone marks the shown workload as deleted: its last audit stays on
// screen, flagged, rather than the view jumping to another pod.
func (d *detailView) Gone() {
	if d.gone || d.res == nil {
		return
	}
	d.gone = true
	d.redraw()
}

// Close stops following the workload (the view was left).
func (d *detailView) Close() { d.res = nil }

// Shown is the workload on screen, nil when none is followed.
func (d *detailView) Shown() *audit.Result { return d.res }

func (d *detailView) View() string { return d.vp.View() }
