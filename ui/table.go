package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
	"github.com/tiergate/tiergate/policy"
)

// column is one table column; minWidth is the terminal width below which
// it is left out (80 columns keep the four that matter most).
type column struct {
	title    string
	width    int // 0: takes the room left
	minWidth int
	name     bool // cut like a name: see fitName
	cell     func(t *workloadTable, r *audit.Result) (string, lipgloss.Style)
	// shown, when set, decides instead of minWidth.
	shown func(t *workloadTable, w int) bool
}

// statusWide is the terminal width from which STATUS says why in words
// ("Pending: Unschedulable") rather than kubectl's word alone.
const statusWide = 180

func columns() []column {
	plain := lipgloss.NewStyle()
	return []column{
		{title: "NAMESPACE/NAME", width: 0, minWidth: 0, name: true, cell: func(_ *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			return displayName(r), plain
		}},
		{title: "TYPE", width: 10, cell: func(_ *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			t := string(r.Type)
			if r.Type == policy.None {
				t = "-"
			} else if r.Uncertain {
				t += "?" // names alone say so
			}
			return t, plain
		}, shown: func(t *workloadTable, w int) bool {
			// The group headers name the type: below 100 columns a live
			// table gives its room to STATUS.
			return !t.status || w >= 100
		}},
		{title: "STATUS", width: 9, cell: func(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			return statusCell(t, r)
		}, shown: func(t *workloadTable, _ int) bool { return t.status }},
		{title: "ISOLATION", width: 17, minWidth: 0, name: false, cell: func(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			return isolationCell(r), t.isolationStyle(r)
		}},
		{title: "KERNEL", width: 10, minWidth: 110, name: false, cell: func(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			return kernelCell(r), t.kernelStyle(r)
		}},
		{title: "GPU", width: 9, minWidth: 110, name: false, cell: func(_ *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			return gpuCell(r.GPUs), plain
		}},
		{title: "RSS", width: 9, minWidth: 140, cell: figureCell(metrics.FigureRSS)},
		{title: "TOK/S", width: 9, minWidth: 140, cell: figureCell(metrics.FigureTokens)},
		{title: "GPU%", width: 9, minWidth: 150, cell: figureCell(metrics.FigureGPU)},
		{title: "WORST", width: 21, minWidth: 0, name: false, cell: func(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			w := r.Worst()
			if w == nil {
				return "-", t.styles.OK
			}
			return string(w.Severity) + " " + shortRule(w.Rule) + " (" + itoa(len(r.Findings)) + ")", t.styles.Severity[w.Severity]
		}},
	}
}

// figureCell shows a pod's live figure, or why it has none (dimmed):
// "—" when figures are not read (files, --metrics=false), "…" until the
// first collection, "-" for a workload that is not a pod.
func figureCell(figure string) func(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
	return func(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
		switch {
		case !t.live:
			return "—", t.styles.Dim
		case r.Kind != "Pod":
			return "-", t.styles.Dim
		case t.figures == nil:
			return "…", t.styles.Dim
		}
		p := t.figures[metrics.PodKey{Namespace: r.Namespace, Name: r.Name}]
		if p == nil {
			return "…", t.styles.Dim // newer than the last reading
		}
		s, ok := p.Cell(figure)
		if !ok {
			return s, t.styles.Dim
		}
		return s, lipgloss.NewStyle()
	}
}

// hasStatus says the results carry what the cluster says of them (a
// live cluster's do; files' do not).
func hasStatus(rs []audit.Result) bool {
	for i := range rs {
		if rs[i].Status != nil {
			return true
		}
	}
	return false
}

// statusCell is what the cluster says of the row's pod: kubectl's word,
// with the reason in words when there is room. Trouble is coloured:
// waiting (Pending, no pods) amber, failing red.
func statusCell(t *workloadTable, r *audit.Result) (string, lipgloss.Style) {
	st := r.Status
	if st == nil {
		return "-", t.styles.Dim
	}
	text := st.Short()
	if t.statusWords {
		text = st.Text()
	} else if short, ok := narrowStatus[text]; ok {
		text = short
	}
	switch {
	case st.Healthy():
		return text, lipgloss.NewStyle()
	case failing(st.Status):
		return text, t.styles.Below
	}
	return text, t.styles.Stale
}

// narrowStatus shortens kubectl's longest words to the narrow STATUS
// column's nine cells, where cutting them would leave "CrashLoo…".
var narrowStatus = map[string]string{
	"CrashLoopBackOff": "CrashLoop", "ImagePullBackOff": "ImagePull", "ErrImagePull": "ErrImage",
	"ContainerCreating": "Creating", "PodInitializing": "Init", "Terminating": "Stopping",
	"CreateContainerConfigError": "ConfigErr",
}

// failing says a status word means the pod fails (as opposed to waits):
// crash loops, image pulls, errors, evictions, exit codes.
func failing(word string) bool {
	for _, s := range []string{"Err", "BackOff", "OOM", "Evicted", "ExitCode", "Signal", "Failed", "Unknown", "Error"} {
		if strings.Contains(word, s) {
			return true
		}
	}
	return false
}

// shortKinds are kubectl's short names, so "deploy/x" reads as kubectl.
var shortKinds = map[string]string{
	"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "ReplicaSet": "rs", "CronJob": "cj",
	"Job": "job", "LeaderWorkerSet": "lws", "InferenceService": "isvc",
}

// displayName is "namespace/pod" for pods and "namespace/kind/name" for
// the workloads found in files.
func displayName(r *audit.Result) string {
	if r.Kind == "Pod" {
		return r.Namespace + "/" + r.Name
	}
	k, ok := shortKinds[r.Kind]
	if !ok {
		k = strings.ToLower(r.Kind)
	}
	return r.Namespace + "/" + k + "/" + r.Name
}

// isolationCell is "actual → required" for LLM workloads.
func isolationCell(r *audit.Result) string {
	short := func(i policy.Isolation) string {
		if i == policy.SharedKernel {
			return "shared"
		}
		return string(i)
	}
	if r.RequiredIsolation == "" {
		return short(r.Isolation)
	}
	return short(r.Isolation) + " → " + short(r.RequiredIsolation)
}

// gpuCell is "2×gpu": the largest per-pod count, short resource name.
func gpuCell(gs []audit.GPU) string {
	if len(gs) == 0 {
		return "-"
	}
	best := gs[0]
	for _, g := range gs[1:] {
		if g.Count > best.Count {
			best = g
		}
	}
	return itoa(int(best.Count)) + "×" + shortResource(best.Resource)
}

// workloadTable is the main view: workloads grouped by type.
type workloadTable struct {
	styles        *Styles
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
}

func newWorkloadTable(styles *Styles, live bool) *workloadTable {
	// Worst first by default: with the pinned group, what needs a look
	// leads the first screen.
	return &workloadTable{styles: styles, live: live, f: filters{sort: sortWorst, collapsed: map[policy.WorkloadType]bool{}}}
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

// ToggleGroup folds or unfolds the group of the selected row.
func (t *workloadTable) ToggleGroup() {
	r, ok := t.Selected()
	if !ok {
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

// Position is "12/345": where the cursor is among the workloads that
// match the filters (folded groups count; a header is at its first).
func (t *workloadTable) Position() (int, int) {
	if len(t.rows) == 0 {
		return 0, 0
	}
	return int(t.rows[t.cursor].ord), t.matching
}

// View renders the column header and only the rows on screen.
func (t *workloadTable) View(empty string) string {
	var b strings.Builder
	b.WriteString(t.styles.Header.Render(t.line(func(i int, c column) string { return c.title })))
	h := t.bodyHeight()
	if len(t.rows) == 0 {
		// Wrapped, not cut: it may be an error the user must read whole.
		lines := strings.Split(lipgloss.NewStyle().Width(max(10, t.width)).Render(empty), "\n")
		for i := range min(h, len(lines)) {
			b.WriteString("\n" + t.styles.Dim.Render(ansi.Truncate(strings.TrimRight(lines[i], " "), t.width, "…")))
		}
		for i := len(lines); i < h; i++ {
			b.WriteString("\n")
		}
		return b.String()
	}
	end := min(len(t.rows), t.offset+h)
	for i := t.offset; i < end; i++ {
		b.WriteString("\n")
		b.WriteString(t.renderRow(t.rows[i], i == t.cursor))
	}
	for i := end - t.offset; i < h; i++ {
		b.WriteString("\n")
	}
	return b.String()
}

func (t *workloadTable) renderRow(r row, selected bool) string {
	if r.header {
		fold := "▾"
		if t.f.collapsed[r.group] {
			fold = "▸"
		}
		text := pad(fold+" "+groupTitle(r.group)+" ("+itoa(int(r.count))+")", t.width)
		if selected {
			return t.styles.Selected.Render(text)
		}
		return t.styles.Group.Render(text)
	}
	if selected {
		return t.styles.Selected.Render(t.line(func(i int, c column) string {
			s, _ := c.cell(t, r.res)
			return s
		}))
	}
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		s, st := c.cell(t, r.res)
		b.WriteString(st.Render(c.pad(s, t.widths[i])))
	}
	return b.String()
}

// line lays plain cells out at the column widths.
func (t *workloadTable) line(cell func(i int, c column) string) string {
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.pad(cell(i, c), t.widths[i]))
	}
	return pad(b.String(), t.width)
}

func (t *workloadTable) isolationStyle(r *audit.Result) lipgloss.Style {
	switch {
	case r.Isolation == policy.Unknown:
		return t.styles.Unknown
	case r.RequiredIsolation != "" && r.Isolation.Rank() < r.RequiredIsolation.Rank():
		return t.styles.Below
	case r.RequiredIsolation != "":
		return t.styles.OK
	}
	return lipgloss.NewStyle()
}

func (c column) pad(s string, w int) string {
	if c.name {
		return fitName(s, w)
	}
	return pad(s, w)
}

// fitName fits "namespace/[kind/]name" into w cells. The namespace
// gives way first (the group and :ns say it too); a name still too long is
// cut in the middle, since replicas differ only in their tail
// ("team-49/app-99-7d9…-00099").
func fitName(s string, w int) string {
	s = textutil.Printable(s)
	n := lipgloss.Width(s)
	if w <= 0 || n <= w {
		return pad(s, w)
	}
	ns, rest, ok := strings.Cut(s, "/")
	if !ok {
		return cutMiddle(s, w)
	}
	const minNS = 4 // three cells and the ellipsis
	if room := w - lipgloss.Width(rest) - 1; room >= min(minNS, lipgloss.Width(ns)) {
		return pad(ansi.Truncate(ns, room, "…")+"/"+rest, w)
	}
	ns = ansi.Truncate(ns, minNS, "…")
	// pad again: a wide character that does not fit leaves a cell over.
	return pad(ns+"/"+cutMiddle(rest, w-lipgloss.Width(ns)-1), w)
}

// cutMiddle shortens s to exactly w cells, keeping its start and end.
func cutMiddle(s string, w int) string {
	n := lipgloss.Width(s)
	if n <= w {
		return pad(s, w)
	}
	if w < 3 {
		return pad(s, w)
	}
	tail := (w - 1) / 2
	head := w - 1 - tail
	// Rune by rune, so that a wide character is never split: one that
	// does not fit leaves a cell of padding instead.
	runes := []rune(s)
	i, hw := 0, 0
	for i < len(runes) {
		rw := ansi.StringWidth(string(runes[i]))
		if hw+rw > head {
			break
		}
		hw += rw
		i++
	}
	j, tw := len(runes), 0
	for j > i {
		rw := ansi.StringWidth(string(runes[j-1]))
		if tw+rw > tail {
			break
		}
		tw += rw
		j--
	}
	return pad(string(runes[:i])+"…"+string(runes[j:]), w)
}

// pad truncates or pads s to exactly w cells, without control characters.
func pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if plainASCII(s) { // the common case, without grapheme segmentation
		if len(s) > w {
			return s[:w-1] + "…"
		}
		return s + strings.Repeat(" ", w-len(s))
	}
	s = ansi.Truncate(textutil.Printable(s), w, "…")
	if n := lipgloss.Width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// plainASCII says s is printable ASCII: one byte, one cell.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
