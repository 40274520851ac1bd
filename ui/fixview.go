package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/remediate"
)

// fixStage is how far the fix of the shown workload has gone.
type fixStage int

const (
	fixComputing  fixStage = iota // remediate runs
	fixShown                      // the fix is on screen
	fixDryRunning                 // the server dry run runs
	fixConfirm                    // diffs shown, waiting for y or n
	fixApplying                   // the server-side apply runs
	fixDone                       // applied (or not), results shown
)

// fixView shows the fix of one workload, its server dry run and the
// outcome of applying it. It runs all three itself (the commands capture
// what they need when made); every answer carries the request's number,
// and one to an older request is dropped.
type fixView struct {
	styles *Styles
	keys   fixKeys
	out    *outbox
	vp     viewport.Model
	width  int
	deps   fixDeps

	key      string // the workload whose fix this is
	seq      uint64 // the request on screen; answers to older ones are dropped
	name     string // "Pod/ns/name", for the title
	cluster  string // the fleet's: the cluster it is applied to, said in the title and the question
	stage    fixStage
	res      *remediate.Result
	err      error
	items    []applier.Item // what the dry run and the apply send
	skipped  []applier.Skipped
	dry      []applier.Outcome
	applied  []applier.Outcome
	canApply bool // a live cluster is there to apply to
}

// fixDeps is what computing and applying fixes need: the engine (shared
// with the audits), the live owners' reader and the applier of the fixed
// workload's cluster (nil on files; set by Start), and the clock for
// exemptions.
type fixDeps struct {
	engine  *audit.Engine
	owners  OwnerReader
	applier Applier
	now     func() time.Time
}

func newFixView(styles *Styles, out *outbox, deps fixDeps) *fixView {
	return &fixView{styles: styles, keys: newFixKeys(), out: out, vp: viewport.New(), deps: deps}
}

func (f *fixView) Init() tea.Cmd { return nil }

func (f *fixView) KeyMap() help.KeyMap { return f.keys }

// Status is the fix view's part of the status line: what runs, or what
// its keys do now.
func (f *fixView) Status() string { return f.hint() }

// Question is the apply question while it waits for an answer, "" at
// other times: it stays on the status line over errors and notices.
func (f *fixView) Question() string {
	if f.stage == fixConfirm {
		return f.hint()
	}
	return ""
}

// Busy says the server is working on a dry run or an apply: the view
// stays put until it answers, so that the answer is seen.
func (f *fixView) Busy() bool { return f.stage == fixDryRunning || f.stage == fixApplying }

// Applying says an apply is in flight.
func (f *fixView) Applying() bool { return f.stage == fixApplying }

// Update takes the answers to its requests, and its keys and the wheel
// when it has the focus.
func (f *fixView) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case fixComputedMsg:
		// The answer to an older request (another workload's) is dropped.
		if m.seq == f.seq && f.stage == fixComputing {
			f.Computed(m.res, m.err)
		}
	case dryRunMsg:
		if m.seq == f.seq && f.stage == fixDryRunning {
			f.DryRan(m.outs)
		}
	case appliedMsg:
		if m.seq == f.seq && f.stage == fixApplying {
			f.Applied(m.outs)
		}
	case tea.KeyPressMsg:
		return f.onKey(m)
	case tea.MouseWheelMsg:
		f.vp.SetYOffset(f.vp.YOffset() + wheelDelta(m))
	}
	return nil
}

// onKey scrolls and drives the dry run and the apply: a runs the server
// dry run; y applies what it showed (but the changes that take fields
// other managers own), o applies everything taking ownership of those
// fields, n or esc declines. Outside the question esc goes back.
func (f *fixView) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k, a := f.keys, f.deps.applier
	notice := func(text string) tea.Cmd {
		f.out.send(noticeMsg{text: text})
		return nil
	}
	switch {
	case f.stage == fixConfirm && key.Matches(msg, k.Confirm):
		items := f.chosen(false)
		if len(items) == 0 {
			return notice("every change takes fields other managers own: o takes ownership, n declines")
		}
		f.next(fixApplying)
		return applyCmd(a, f.seq, items)
	case f.stage == fixConfirm && key.Matches(msg, k.TakeOwnership) && f.conflicts() > 0:
		f.next(fixApplying)
		return applyCmd(a, f.seq, f.chosen(true))
	case f.stage == fixConfirm && (key.Matches(msg, k.Decline) || key.Matches(msg, k.Back)):
		f.stage = fixShown
		return notice("nothing applied")
	case key.Matches(msg, k.Apply):
		switch {
		case a == nil:
			return notice("apply needs a live cluster; on files use tiergate fix -o manifests or -o patch")
		case f.stage != fixShown:
		case len(f.items) == 0:
			return notice("nothing to apply here")
		default:
			f.dry, f.applied = nil, nil
			f.next(fixDryRunning)
			return dryRunCmd(a, f.seq, f.items)
		}
		return nil
	case key.Matches(msg, k.Back):
		f.out.send(showViewMsg{view: viewDetail})
		return nil
	}
	scroll(&f.vp, k.nav, msg)
	return nil
}

func (f *fixView) SetSize(w, h int) {
	f.width = w
	f.vp.SetWidth(w)
	f.vp.SetHeight(max(1, h))
	f.refresh(false)
}

// Start computes the fix of r on the inventory and report it comes from,
// with the tools of its cluster (its owners are read there, and applied
// there), and shows that it is being computed; false when fixes cannot
// be computed here.
func (f *fixView) Start(r *audit.Result, inv *audit.Inventory, rep *audit.Report, tools Tools) (tea.Cmd, bool) {
	d := f.deps
	d.owners, d.applier = tools.Owners, tools.Applier
	if d.engine == nil {
		f.out.send(noticeMsg{text: "fixes are not available here"})
		return nil, false
	}
	*f = fixView{styles: f.styles, keys: f.keys, out: f.out, vp: f.vp, width: f.width, deps: d,
		key: resultKey(r), name: r.Kind + "/" + r.Namespace + "/" + r.Name, cluster: r.Cluster, stage: fixComputing, canApply: d.applier != nil, seq: f.seq + 1}
	f.refresh(true)
	return fixCmd(d.engine, d.owners, inv, rep, f.key, f.seq, d.now()), true
}

// next moves to a stage that asks the server; its answer must carry the
// new request number.
func (f *fixView) next(stage fixStage) {
	f.stage = stage
	f.seq++
	f.refresh(false)
}

// Computed shows the fix (or why there is none).
func (f *fixView) Computed(res *remediate.Result, err error) {
	f.res, f.err, f.stage = res, err, fixShown
	if err == nil {
		// The apply question names the changes whose pods would stay
		// Pending: a yes there is a yes to them (--allow-pending).
		f.items, f.skipped, f.err = applier.Items(res, remediate.HoldOptions{AllowPending: true})
	}
	f.refresh(true)
}

// DryRan shows the server's dry run and asks for confirmation when there
// is something to apply.
func (f *fixView) DryRan(outs []applier.Outcome) {
	f.dry, f.stage = outs, fixShown
	if len(f.ready()) > 0 {
		f.stage = fixConfirm
	}
	f.refresh(false)
	f.vp.GotoBottom()
}

// Applied shows what the apply did, object by object.
func (f *fixView) Applied(outs []applier.Outcome) {
	f.applied, f.stage = outs, fixDone
	f.refresh(false)
	f.vp.GotoBottom()
}

// ready are the items whose dry run changes something.
func (f *fixView) ready() []applier.Item { return applier.Ready(f.dry) }

// conflicts counts the fields other managers own that the ready changes
// would take.
func (f *fixView) conflicts() int {
	n := 0
	for _, o := range f.dry {
		if o.NeedsOwnership() && o.Changed {
			n += len(o.Conflicts)
		}
	}
	return n
}

// chosen are the items to apply: those that take no other manager's
// field, and with take the others too, taking ownership.
func (f *fixView) chosen(take bool) []applier.Item {
	var out []applier.Item
	for _, o := range f.dry {
		if o.Err != nil || o.Skipped != "" || !o.Changed {
			continue
		}
		it := o.Item
		if o.NeedsOwnership() {
			if !take {
				continue
			}
			it.Force = true
		}
		out = append(out, it)
	}
	return out
}

// dryWarnings are the server's warnings shown with an object's dry run.
func (f *fixView) dryWarnings(t remediate.Target) []string {
	for _, o := range f.dry {
		if o.Item.Target == t {
			return o.Warnings
		}
	}
	return nil
}

func (f *fixView) View() string { return f.vp.View() }

func (f *fixView) refresh(top bool) {
	y := f.vp.YOffset()
	f.vp.SetContent(f.render())
	if top {
		f.vp.GotoTop()
	} else {
		f.vp.SetYOffset(y)
	}
}
