package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
	"github.com/tiergate/tiergate/policy"
)

// workloadTable is the main view: workloads grouped by type, filtered,
// sorted and folded as its keys say. It owns the filters; the root sets
// the two it does not type itself (the filter line's text and :ns).
type workloadTable struct {
	styles        *Styles
	keys          tableKeys
	out           *outbox
	width, height int
	cols          []column
	widths        []int
	results       []audit.Result
	byName        []entry // results with their sort and filter keys, by name
	sorted        []entry // byName in the current sort order
	f             filters
	rows          []row
	keep          []bool // buildRows' scratch space, reused
	matching      int    // workloads that pass the filters, folded ones included
	cursor        int
	offset        int
	// live: figures are read; figures are the last collection's.
	live    bool
	figures map[metrics.PodKey]*metrics.Pod
	// status: the rows are a live cluster's, with a STATUS to show
	// (files have none).
	status bool
	// statusWords: STATUS has room for the reason in words.
	statusWords bool
	// clusters: the rows come from more than one cluster (the fleet),
	// and CLUSTER says whose each is, in clusterWidth cells.
	clusters     bool
	clusterWidth int
	// placeholder is what the table says when it has no results: the
	// session's connecting, syncing or empty scope; waiting: it says so
	// even over results (they are not the feed's yet).
	placeholder string
	waiting     bool
}

func newWorkloadTable(styles *Styles, out *outbox, live bool) *workloadTable {
	// Worst first by default: with the pinned group, what needs a look
	// leads the first screen.
	return &workloadTable{styles: styles, keys: newTableKeys(), out: out, live: live,
		f: filters{sort: sortWorst, collapsed: map[policy.WorkloadType]bool{}, folded: map[string]bool{}}}
}

func (t *workloadTable) Init() tea.Cmd { return nil }

func (t *workloadTable) KeyMap() help.KeyMap { return t.keys }

// Update takes its keys and the wheel when it has the focus, and the
// session's news always.
func (t *workloadTable) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		t.onKey(m)
	case tea.MouseWheelMsg:
		t.Move(wheelDelta(m))
	case reportMsg:
		if fleet, w := len(m.rep.Clusters) > 1, clusterWidth(m.rep.Clusters); fleet != t.clusters || w != t.clusterWidth {
			t.clusters, t.clusterWidth = fleet, w
			t.SetSize(t.width, t.height)
		}
		t.SetResults(m.rep.Workloads, m.entries)
	case figuresMsg:
		t.SetFigures(m.pods)
	case feedSwitchedMsg:
		t.f.namespace = ""
		t.SetResults(nil, nil)
		t.SetFigures(nil)
	}
	return nil
}

func (t *workloadTable) onKey(msg tea.KeyPressMsg) {
	k := t.keys
	switch {
	case key.Matches(msg, k.nav.Up):
		t.Move(-1)
	case key.Matches(msg, k.nav.Down):
		t.Move(1)
	case key.Matches(msg, k.nav.PageUp):
		t.Move(-t.bodyHeight())
	case key.Matches(msg, k.nav.PageDown):
		t.Move(t.bodyHeight())
	case key.Matches(msg, k.nav.Top):
		t.Top()
	case key.Matches(msg, k.nav.Bottom):
		t.Bottom()
	case key.Matches(msg, k.Toggle):
		t.ToggleGroup()
	case key.Matches(msg, k.Enter):
		r, ok := t.Selected()
		switch {
		case !ok:
		case r.header:
			t.ToggleGroup()
		default:
			t.out.send(openDetailMsg{res: r.res})
		}
	case key.Matches(msg, k.Probe):
		if r, ok := t.Selected(); ok && !r.header {
			t.out.send(probeRequestMsg{res: r.res})
		}
	case key.Matches(msg, k.ProbeScreen):
		t.out.send(probeManyMsg{res: t.onScreen()})
	case key.Matches(msg, k.Filter):
		t.out.send(openInputMsg{mode: inputFilter, value: t.f.text})
	case key.Matches(msg, k.Clear):
		t.f.text, t.f.typ, t.f.minSeverity = "", "", ""
		t.rebuild()
	case key.Matches(msg, k.Type):
		t.f.typ = nextType(t.f.typ)
		t.rebuild()
	case key.Matches(msg, k.Severity):
		t.f.minSeverity = nextSeverity(t.f.minSeverity)
		t.rebuild()
	case key.Matches(msg, k.Sort):
		t.SetSort((t.f.sort+1)%sortColumns, t.f.reverse)
	case key.Matches(msg, k.Reverse):
		t.SetSort(t.f.sort, !t.f.reverse)
	case key.Matches(msg, k.Nodes):
		t.out.send(showViewMsg{view: viewNodes})
	}
}

// SetFilterText filters by the filter line's text, as it is typed.
func (t *workloadTable) SetFilterText(text string) {
	t.f.text = text
	t.rebuild()
}

// SetNamespace narrows the table to a namespace ("" for all: :ns).
func (t *workloadTable) SetNamespace(ns string) {
	t.f.namespace = ns
	t.rebuild()
}

// Namespace is the namespace :ns narrowed the table to, "" for none.
func (t *workloadTable) Namespace() string { return t.f.namespace }

// SetPlaceholder is what to say when there is nothing to list; waiting
// says the data is not there yet.
func (t *workloadTable) SetPlaceholder(text string, waiting bool) {
	t.placeholder, t.waiting = text, waiting
}

// Status is the filters, the sort and where the cursor is.
func (t *workloadTable) Status() string {
	var parts []string
	f := t.f
	if f.text != "" {
		parts = append(parts, "/"+f.text)
	}
	if f.typ != "" {
		parts = append(parts, "type:"+string(f.typ))
	}
	if f.minSeverity != "" {
		parts = append(parts, "sev≥"+string(f.minSeverity))
	}
	dir := "↑"
	if f.reverse {
		dir = "↓"
	}
	parts = append(parts, "sort:"+f.sort.String()+dir)
	at, n := t.Position()
	parts = append(parts, itoa(at)+"/"+itoa(n))
	return strings.Join(parts, "  ")
}

// SetFigures shows a collection of live figures (nil: none yet).
func (t *workloadTable) SetFigures(f map[metrics.PodKey]*metrics.Pod) { t.figures = f }

// SetSize lays the columns out for a new terminal size.
func (t *workloadTable) SetSize(w, h int) {
	t.width, t.height = w, max(1, h)
	t.cols, t.widths = nil, nil
	fixed := 0
	t.statusWords = w >= statusWide
	for _, c := range columns() {
		if c.shown != nil && !c.shown(t, w) || c.shown == nil && w < c.minWidth {
			continue
		}
		if c.title == "STATUS" && t.statusWords {
			c.width = 24
		}
		if c.title == "CLUSTER" {
			c.width = t.clusterWidth
		}
		t.cols = append(t.cols, c)
		fixed += c.width + 1
	}
	// A wide terminal lets GPU names ("mig-1g.10gb") out before the
	// name column grows past what pod names need.
	spare := max(0, w-fixed-50)
	for _, c := range t.cols {
		cw := c.width
		if c.title == "GPU" {
			extra := min(spare, 5)
			cw += extra
			fixed += extra
		}
		t.widths = append(t.widths, cw)
	}
	for i, c := range t.cols {
		if c.width == 0 {
			t.widths[i] = max(10, w-fixed)
		}
	}
	t.clamp()
}

// SetResults replaces the data, keeping the selection on the same row.
// entries are newEntries(results).
func (t *workloadTable) SetResults(results []audit.Result, entries []entry) {
	t.results = results
	if status := hasStatus(results); status != t.status {
		t.status = status
		t.SetSize(t.width, t.height)
	}
	t.byName = entries
	t.resort()
}

// SetSort changes the sort column or direction.
func (t *workloadTable) SetSort(by sortColumn, reverse bool) {
	t.f.sort, t.f.reverse = by, reverse
	t.resort()
}

func (t *workloadTable) resort() {
	t.sorted = sortEntries(t.byName, t.f.sort, t.f.reverse, t.sorted)
	t.rebuild()
}

// rebuild recomputes rows after a data or filter change and puts the
// cursor back on the row it was on, if it is still there.
func (t *workloadTable) rebuild() {
	var selected row
	had := t.cursor < len(t.rows)
	if had {
		selected = t.rows[t.cursor]
	}
	selKey := ""
	if had && !selected.header {
		selKey = resultKey(selected.res)
	}
	// The old rows are overwritten in place: selected is a copy.
	t.rows, t.keep, t.matching = buildRows(t.sorted, t.f, t.keep, t.rows)
	same := func(r *row) bool {
		return r.header == selected.header && (r.header && r.group == selected.group ||
			!r.header && (r.res == selected.res || resultKey(r.res) == selKey))
	}
	// Search outwards from where the row was: after a refresh or a
	// filter keystroke it has usually moved little, if at all.
	found := false
	for d := 0; had && !found && (t.cursor-d >= 0 || t.cursor+d < len(t.rows)); d++ {
		for _, i := range [2]int{t.cursor + d, t.cursor - d} {
			if i >= 0 && i < len(t.rows) && same(&t.rows[i]) {
				t.cursor, found = i, true
				break
			}
		}
	}
	// First data, or the row is gone: start on the first workload rather
	// than on a group header.
	if !found && t.cursor == 0 && len(t.rows) > 1 && t.rows[0].header && !t.f.collapsed[t.rows[0].group] {
		t.cursor = 1
	}
	t.clamp()
}

// Move moves the cursor and scrolls to keep it in sight.
func (t *workloadTable) Move(delta int) {
	t.cursor += delta
	t.clamp()
}

// Top and Bottom jump to the ends.
func (t *workloadTable) Top()    { t.cursor = 0; t.clamp() }
func (t *workloadTable) Bottom() { t.cursor = len(t.rows) - 1; t.clamp() }

func (t *workloadTable) bodyHeight() int { return max(1, t.height-1) } // minus the column header

func (t *workloadTable) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.rows)-1, 0))
	h := t.bodyHeight()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, max(len(t.rows)-h, 0)))
}

// Find returns the result with the given key, filtered out or not.
func (t *workloadTable) Find(key string) *audit.Result {
	for i := range t.results {
		if resultKey(&t.results[i]) == key {
			return &t.results[i]
		}
	}
	return nil
}

// Selected returns the row under the cursor.
func (t *workloadTable) Selected() (row, bool) {
	if t.cursor >= len(t.rows) {
		return row{}, false
	}
	return t.rows[t.cursor], true
}

// ToggleGroup folds or unfolds the group of the selected row: a custom
// resource's pods on its row or one of theirs, else the type group.
func (t *workloadTable) ToggleGroup() {
	r, ok := t.Selected()
	if !ok {
		return
	}
	if r.tree != treeNone {
		t.toggleTree(r)
		return
	}
	t.f.collapsed[r.group] = !t.f.collapsed[r.group]
	if t.f.collapsed[r.group] {
		// Keep the cursor on the folded group's header.
		for i := range t.rows {
			if t.rows[i].header && t.rows[i].group == r.group {
				t.cursor = i
				break
			}
		}
	}
	t.rebuild()
}

// toggleTree folds or unfolds the pods of the custom resource on the
// selected row, or of the one the selected pod runs from (the cursor
// then goes up to it).
func (t *workloadTable) toggleTree(r row) {
	if r.tree == treeChild {
		for i := t.cursor; i >= 0; i-- {
			if t.rows[i].tree == treeOpen {
				t.cursor, r = i, t.rows[i]
				break
			}
		}
	}
	k := resultKey(r.res)
	if t.f.folded[k] {
		delete(t.f.folded, k)
	} else {
		t.f.folded[k] = true
	}
	t.rebuild()
}

// Position is "12/345": where the cursor is among the workloads that
// match the filters (folded groups count; a header is at its first).
func (t *workloadTable) Position() (int, int) {
	if len(t.rows) == 0 {
		return 0, 0
	}
	return int(t.rows[t.cursor].ord), t.matching
}

// onScreen are the workloads of the rows on screen (not group headers).
func (t *workloadTable) onScreen() []*audit.Result {
	var out []*audit.Result
	for _, r := range t.rows[t.offset:min(len(t.rows), t.offset+t.bodyHeight())] {
		if !r.header {
			out = append(out, r.res)
		}
	}
	return out
}
