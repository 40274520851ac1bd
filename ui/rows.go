package ui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// groupAttention pins the workloads that most need a look (a critical
// finding, or isolation below their type's tier) above the type groups:
// they are on the first screen whatever the sort and however many rows
// the other groups hold.
const groupAttention policy.WorkloadType = "attention"

// groupOrder is the table's group order: the pinned group, then the LLM
// types riskiest first (as the audit report orders them), then the rest.
var groupOrder = []policy.WorkloadType{groupAttention, policy.CodeExec, policy.Agent, policy.Retrieval, policy.Inference, policy.None}

// typeOrder are the types the t key cycles through.
var typeOrder = groupOrder[1:]

func groupTitle(t policy.WorkloadType) string {
	switch t {
	case groupAttention:
		return "CRITICAL OR BELOW TIER"
	case policy.None:
		return "OTHER"
	}
	return strings.ToUpper(string(t))
}

// pinned says a workload belongs in the attention group.
func pinned(r *audit.Result) bool {
	return r.Verdict == audit.VerdictCritical || r.Verdict == audit.VerdictBelowTier
}

// row is one line of the workload table: a group header or a workload.
type row struct {
	group  policy.WorkloadType
	header bool
	count  int32         // header: workloads shown in the group
	ord    int32         // 1-based position among the matching workloads (a header: its first one's)
	res    *audit.Result // workload row
	// tree is the row's place under a custom resource: a resource with
	// its pods listed under it, one with them folded, or one of them.
	tree treeMark
}

// treeMark is a row's place in a custom resource's tree.
type treeMark uint8

const (
	treeNone   treeMark = iota
	treeOpen            // a custom resource, its pods listed under it
	treeFolded          // a custom resource, its pods folded
	treeChild           // a pod listed under the resource it runs from
)

// prefix marks the row's NAME cell.
func (m treeMark) prefix() string {
	return [...]string{"", "▾ ", "▸ ", "└ "}[m]
}

// resultKey identifies a workload across refreshes (a pod by its UID),
// so that the selection stays on it when rows move.
func resultKey(r *audit.Result) string {
	at := "" // the fleet's rows: the same names in two clusters are two rows
	if r.Cluster != "" {
		at = r.Cluster + "\x00"
	}
	if r.UID != "" {
		return at + r.UID
	}
	return at + r.Namespace + "/" + r.Kind + "/" + r.Name
}

// sortColumn is what the table is sorted by.
type sortColumn int

const (
	sortName sortColumn = iota
	sortWorst
	sortIsolation
	sortType
	sortGPU
	sortFindings
	sortColumns // count
)

func (s sortColumn) String() string {
	return [...]string{"name", "worst finding", "isolation gap", "confidence", "GPUs", "findings"}[s]
}

// filters are the user's view choices.
type filters struct {
	text        string              // substring of namespace/name, type, image or rule
	typ         policy.WorkloadType // "" for all
	minSeverity policy.Severity     // "" for all
	namespace   string              // "" for all
	sort        sortColumn
	reverse     bool
	collapsed   map[policy.WorkloadType]bool
	// folded are the custom resources whose pods are folded, by
	// resultKey.
	folded map[string]bool
}

// entry is a result with what sorting and filtering need, computed once
// per refresh so that a keystroke over 50,000 pods compares integers and
// searches one string per pod instead of re-deriving them.
type entry struct {
	res      *audit.Result
	group    int // index in groupOrder
	worst    int // severity rank of the worst finding, 0 for none
	gap      int
	findings int
	gpus     int64
	hay      string // lowercase search text; fields split by NUL
	// up is the index in the name order of the custom resource the pod
	// runs from, when that resource is in the same group (a pod that
	// needs a look more than its resource stands alone); -1 for none.
	// self is the entry's own index there.
	up, self int32
	// kid and sib link a resource to its pods in the current sort order
	// (sortEntries): its first pod's index, and a pod's next sibling's;
	// -1 for none.
	kid, sib int32
}

func newEntries(results []audit.Result) []entry {
	groups := map[policy.WorkloadType]int{}
	for i, g := range groupOrder {
		groups[g] = i
	}
	out := make([]entry, len(results))
	for i := range results {
		r := &results[i]
		g, ok := groups[r.Type]
		switch {
		case pinned(r):
			g = 0
		case !ok:
			g = len(groupOrder) - 1
		}
		out[i] = entry{res: r, group: g, worst: worstRank(r), gap: gap(r), findings: len(r.Findings), gpus: gpuCount(r), hay: haystack(r), up: -1}
	}
	// The base order is by name; every other sort is stable over it, so
	// names break ties without string compares.
	slices.SortFunc(out, func(a, b entry) int {
		x, y := a.res, b.res
		if c := cmp.Compare(x.Cluster, y.Cluster); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Namespace, y.Namespace); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return cmp.Compare(x.Kind, y.Kind)
	})
	linkParents(out)
	return out
}

// linkParents sets each entry's self, and up for the pods listed under
// the custom resource they run from.
func linkParents(es []entry) {
	type key struct{ cluster, kind, ns, name string }
	var parents map[key]int32
	for i := range es {
		es[i].self = int32(i)
		if r := es[i].res; r.Status != nil && r.Status.Status == audit.StatusPods {
			if parents == nil {
				parents = map[key]int32{}
			}
			parents[key{r.Cluster, r.Kind, r.Namespace, r.Name}] = int32(i)
		}
	}
	if parents == nil {
		return
	}
	for i := range es {
		r := es[i].res
		if r.RunsFrom == nil {
			continue
		}
		if p, ok := parents[key{r.Cluster, r.RunsFrom.Kind, r.Namespace, r.RunsFrom.Name}]; ok && es[p].group == es[i].group {
			es[i].up = p
		}
	}
}

// haystack is what the / filter searches: namespace/name, type,
// isolation, kind, images and rule IDs.
func haystack(r *audit.Result) string {
	var b strings.Builder
	b.WriteString(r.Cluster + "\x00" + r.Namespace + "/" + r.Name + "\x00" + string(r.Type) + "\x00" + string(r.Isolation) + "\x00" + r.Kind)
	for _, c := range r.Containers {
		b.WriteString("\x00" + c.Image)
	}
	for _, f := range r.Findings {
		b.WriteString("\x00" + f.Rule)
	}
	return strings.ToLower(b.String())
}

// sortEntries orders the name-ordered entries for the table. It runs
// when data or the sort change; filtering keeps this order, so a
// keystroke in the filter costs one pass, not a sort.
func sortEntries(byName []entry, by sortColumn, reverse bool, buf []entry) []entry {
	out := append(buf[:0], byName...)
	if by != sortName {
		slices.SortStableFunc(out, func(a, b entry) int { return compareBy(by, &a, &b) })
	}
	if reverse {
		slices.Reverse(out)
	}
	linkKids(out)
	return out
}

// linkKids links each resource to its pods in sorted order: kid is its
// first, sib each one's next.
func linkKids(sorted []entry) {
	at := make([]int32, len(sorted)) // name-order index → sorted index
	for i := range sorted {
		at[sorted[i].self] = int32(i)
		sorted[i].kid, sorted[i].sib = -1, -1
	}
	for i := len(sorted) - 1; i >= 0; i-- {
		if up := sorted[i].up; up >= 0 {
			p := &sorted[at[up]]
			sorted[i].sib, p.kid = p.kid, int32(i)
		}
	}
}

// buildRows filters sorted entries and groups them into table rows,
// reusing buf: in two passes (count, then place) and without maps. A
// custom resource's pods follow it, unless folded; it is listed when one
// of them matches though it does not. It returns how many workloads
// match, folded ones included.
func buildRows(sorted []entry, f filters, keep []bool, buf []row) ([]row, []bool, int) {
	keep = slices.Grow(keep[:0], len(sorted))[:len(sorted)]
	var counts [8]int
	needle := strings.ToLower(f.text)
	minSev := 0
	if f.minSeverity != "" {
		minSev = f.minSeverity.Rank()
	}
	for i := range sorted {
		e := &sorted[i]
		keep[i] = (f.typ == "" || e.res.Type == f.typ) &&
			(f.namespace == "" || e.res.Namespace == f.namespace) &&
			e.worst >= minSev &&
			(needle == "" || strings.Contains(e.hay, needle))
	}
	for i := range sorted {
		e := &sorted[i]
		if e.up >= 0 {
			if keep[i] {
				counts[e.group]++
			}
			continue
		}
		if keep[i] || anyKept(sorted, keep, e.kid) {
			counts[e.group]++
		}
	}
	rows := buf[:0]
	var ord int32 // workloads before this row, in every group
	for g, t := range groupOrder {
		if counts[g] == 0 {
			continue
		}
		// A header stands at its first workload's position.
		rows = append(rows, row{group: t, header: true, count: int32(counts[g]), ord: ord + 1})
		if f.collapsed[t] {
			ord += int32(counts[g])
			continue
		}
		for i := range sorted {
			e := &sorted[i]
			if e.group != g || e.up >= 0 || !keep[i] && !anyKept(sorted, keep, e.kid) {
				continue
			}
			ord++
			mark := treeNone
			if anyKept(sorted, keep, e.kid) { // a fold mark only over pods that show
				mark = treeOpen
				if f.folded[resultKey(e.res)] {
					mark = treeFolded
				}
			}
			rows = append(rows, row{group: t, ord: ord, res: e.res, tree: mark})
			for k := e.kid; k >= 0; k = sorted[k].sib {
				if !keep[k] {
					continue
				}
				ord++
				if mark == treeOpen {
					rows = append(rows, row{group: t, ord: ord, res: sorted[k].res, tree: treeChild})
				}
			}
		}
	}
	return rows, keep, int(ord)
}

// anyKept says one of the pods linked from kid passes the filters.
func anyKept(sorted []entry, keep []bool, kid int32) bool {
	for k := kid; k >= 0; k = sorted[k].sib {
		if keep[k] {
			return true
		}
	}
	return false
}

// compareBy compares on one column, most notable first; ties keep the
// name order (the sort is stable).
func compareBy(s sortColumn, a, b *entry) int {
	switch s {
	case sortWorst:
		return cmp.Compare(b.worst, a.worst)
	case sortIsolation:
		return cmp.Compare(b.gap, a.gap) // furthest below the tier first
	case sortType:
		return cmp.Compare(b.res.Confidence, a.res.Confidence)
	case sortGPU:
		return cmp.Compare(b.gpus, a.gpus)
	case sortFindings:
		return cmp.Compare(b.findings, a.findings)
	}
	return 0
}

func worstRank(r *audit.Result) int {
	if w := r.Worst(); w != nil {
		return w.Severity.Rank()
	}
	return 0
}

// gap is how many isolation classes the workload is short of its tier;
// unknown isolation counts as the widest gap.
func gap(r *audit.Result) int {
	if r.RequiredIsolation == "" {
		return 0
	}
	if r.Isolation == policy.Unknown {
		return 4
	}
	return max(0, r.RequiredIsolation.Rank()-r.Isolation.Rank())
}

func gpuCount(r *audit.Result) int64 {
	var n int64
	for _, g := range r.GPUs {
		n = max(n, g.Count)
	}
	return n
}

func shortRule(id string) string { return strings.TrimPrefix(id, "TG-") }

func itoa(n int) string { return strconv.Itoa(n) }

// nextType is the type filter after t.
func nextType(t policy.WorkloadType) policy.WorkloadType {
	order := append([]policy.WorkloadType{""}, typeOrder...)
	for i, o := range order {
		if o == t {
			return order[(i+1)%len(order)]
		}
	}
	return ""
}

// nextSeverity is the severity filter after v.
func nextSeverity(s policy.Severity) policy.Severity {
	order := []policy.Severity{"", policy.Low, policy.Medium, policy.High, policy.Critical}
	for i, o := range order {
		if o == s {
			return order[(i+1)%len(order)]
		}
	}
	return ""
}
