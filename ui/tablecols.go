package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
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
		// Shown whenever more than one cluster is open: a single
		// cluster's table keeps its room.
		{title: "CLUSTER", width: 7, name: true, cell: func(_ *workloadTable, r *audit.Result) (string, lipgloss.Style) {
			return r.Cluster, plain
		}, shown: func(t *workloadTable, _ int) bool { return t.clusters }},
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
		case !t.live || t.clusters: // the fleet reads no figures
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
		if !ok || figure == metrics.FigureRSS && p.RSSAt != nil {
			// No value, or one older than this reading (its node's
			// kubelet waits its turn): dimmed.
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
		if st.Status == audit.StatusTemplate {
			text = r.Launched.StatusText()
		}
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

// displayName is "namespace/pod" for pods and "namespace/kind/name" for
// the workloads found in files.
func displayName(r *audit.Result) string {
	if r.Kind == "Pod" {
		return r.Namespace + "/" + r.Name
	}
	// kubectl's short names from the registry, so "deploy/x" reads as
	// kubectl; a kind it lacks in lower case.
	k := strings.ToLower(r.Kind)
	if kind, ok := kinds.ForAPIVersion(r.APIVersion, r.Kind); ok {
		k = kind.ShortName()
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
	return best.CountText() + "×" + gpuName(best)
}

// gpuName is a GPU's short name: the extended resource's last part, or
// "dra:" and what the claim's devices are ("dra:gpu", "dra:mig-1g.10gb").
func gpuName(g audit.GPU) string {
	if n := g.DRAName(); n != "" {
		return "dra:" + n
	}
	return shortResource(g.Resource)
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

// clusterWidth is CLUSTER's width: the longest context name, between
// the title's 7 cells and 16 (a longer name is cut like a name).
func clusterWidth(cs []audit.ClusterReport) int {
	w := 7
	for _, c := range cs {
		w = max(w, lipgloss.Width(c.Context))
	}
	return min(w, 16)
}
