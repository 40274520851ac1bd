package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
)

// nodesView lists nodes with GPU capacity, allocatable and allocated,
// whether a GPU reaches a sandbox there (driver, product, MIG mode, the
// isolation classes that can run a GPU pod), runtime handlers and kernel.
type nodesView struct {
	styles *Styles
	keys   nodesKeys
	out    *outbox
	vp     viewport.Model
	width  int
	nodes  []audit.NodeReport
	// reported: a report is on screen; until then the view says what
	// the placeholder says (connecting, syncing).
	reported    bool
	placeholder string
}

func newNodesView(styles *Styles, out *outbox) *nodesView {
	return &nodesView{styles: styles, keys: newNodesKeys(), out: out, vp: viewport.New()}
}

func (n *nodesView) Init() tea.Cmd { return nil }

func (n *nodesView) KeyMap() help.KeyMap { return n.keys }

// Status is the nodes view's part of the status line.
func (n *nodesView) Status() string { return "nodes · esc back" }

// SetPlaceholder is what the view says before the first report.
func (n *nodesView) SetPlaceholder(text string) { n.placeholder = text }

// Update takes its keys and the wheel when it has the focus, and the
// session's reports always.
func (n *nodesView) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		if key.Matches(m, n.keys.Back) {
			n.out.send(showViewMsg{view: viewTable})
			return nil
		}
		scroll(&n.vp, n.keys.nav, m)
	case tea.MouseWheelMsg:
		n.vp.SetYOffset(n.vp.YOffset() + wheelDelta(m))
	case reportMsg:
		n.reported = true
		n.SetNodes(m.rep.Nodes)
	case feedSwitchedMsg:
		n.reported = false
		n.SetNodes(nil)
	}
	return nil
}

func (n *nodesView) SetSize(w, h int) {
	n.width = w
	n.vp.SetWidth(w)
	n.vp.SetHeight(max(1, h-1))
	n.render()
}

func (n *nodesView) SetNodes(nodes []audit.NodeReport) {
	n.nodes = nodes
	n.render()
}

// nodeColumn is one column of the nodes view: shown from width from
// (and below upTo, when set), its cell read from the node's report.
type nodeColumn struct {
	title string
	width int
	from  int
	upTo  int
	cell  func(nd *audit.NodeReport) string
}

// nodeColumns are the nodes view's columns, HANDLERS last taking the
// rest. Below 142 columns the GPU product, MIG mode and runtime version
// give way (and the kernel below 120, where the GPU column narrows), so
// that the GPUs, the driver, the classes that can run a GPU pod and the
// handlers stay readable.
var nodeColumns = []nodeColumn{
	{title: "NODE", width: 20, cell: func(nd *audit.NodeReport) string { return nd.Name }},
	{title: "KERNEL", width: 18, from: 120, cell: func(nd *audit.NodeReport) string { return textutil.OrDash(nd.KernelVersion) }},
	{title: "RUNTIME", width: 9, from: 142, cell: func(nd *audit.NodeReport) string {
		return textutil.OrDash(strings.TrimPrefix(nd.ContainerRuntimeVersion, "containerd://"))
	}},
	{title: "GPU alloc/avail/cap", width: 20, upTo: 120, cell: nodeGPUCell},
	{title: "GPU alloc/allocatable/cap", width: 26, from: 120, cell: nodeGPUCell},
	{title: "PRODUCT", width: 14, from: 142, cell: func(nd *audit.NodeReport) string {
		return textutil.OrDash(strings.TrimPrefix(nd.GPUProduct, "NVIDIA-"))
	}},
	{title: "DRIVER", width: 10, cell: func(nd *audit.NodeReport) string { return textutil.OrDash(nd.GPUDriver) }},
	{title: "MIG", width: 6, from: 142, cell: func(nd *audit.NodeReport) string { return textutil.OrDash(nd.MIGMode) }},
	{title: "GPU PODS UNDER", width: 14, upTo: 142, cell: gpuIsolationCell},
	{title: "GPU PODS UNDER", width: 16, from: 142, cell: gpuIsolationCell},
}

// columns returns the columns shown at the view's width, HANDLERS last.
func (n *nodesView) columns() (cols []nodeColumn, widths []int) {
	used := 0
	for _, c := range nodeColumns {
		if n.width >= c.from && (c.upTo == 0 || n.width < c.upTo) {
			w := c.width
			if strings.HasPrefix(c.title, "GPU alloc") {
				w = n.gpuWidth(w)
			}
			cols, widths = append(cols, c), append(widths, w)
			used += w + 1
		}
	}
	handlers := nodeColumn{title: "HANDLERS", cell: func(nd *audit.NodeReport) string { return textutil.OrDash(strings.Join(nd.RuntimeHandlers, ",")) }}
	return append(cols, handlers), append(widths, max(10, n.width-used))
}

// gpuWidth widens the GPU column for nodes with DRA devices (each
// driver's device types besides the extended resources) to its longest
// cell, up to a third of the screen.
func (n *nodesView) gpuWidth(w int) int {
	for i := range n.nodes {
		if slices.ContainsFunc(n.nodes[i].GPUs, func(g audit.NodeGPU) bool { return g.DRA }) {
			w = max(w, min(len(nodeGPUCell(&n.nodes[i])), n.width/3))
		}
	}
	return w
}

// nodeGPUCell is a node's GPUs, "gpu 1/8/8 dra:mig 2/7/7": allocated,
// allocatable, capacity of each extended resource and of each driver's
// device type in ResourceSlices.
func nodeGPUCell(nd *audit.NodeReport) string {
	var gpus []string
	for _, g := range nd.GPUs {
		name := shortResource(g.Resource)
		if g.DRA {
			name = "dra:" + name // gpu.nvidia.com/mig → dra:mig
		}
		gpus = append(gpus, fmt.Sprintf("%s %d/%d/%d", name, g.Allocated, g.Allocatable, g.Capacity))
	}
	return textutil.OrDash(strings.Join(gpus, " "))
}

// gpuIsolationCell names the isolation classes that can run a GPU pod on
// the node, shared-kernel shortened so that three fit.
func gpuIsolationCell(nd *audit.NodeReport) string {
	out := make([]string, len(nd.GPUIsolation))
	for i, c := range nd.GPUIsolation {
		out[i] = strings.Replace(c, "shared-kernel", "shared", 1)
	}
	return textutil.OrDash(strings.Join(out, ","))
}

func (n *nodesView) render() {
	if n.width == 0 {
		return
	}
	cols, widths := n.columns()
	var lines []string
	for i := range n.nodes {
		cells := make([]string, len(cols))
		for c := range cols {
			cells[c] = cols[c].cell(&n.nodes[i])
		}
		lines = append(lines, n.line(cells, widths))
	}
	if len(lines) == 0 {
		lines = []string{n.styles.Dim.Render("no nodes visible (none in the input, or nodes are forbidden to this user)")}
	}
	n.vp.SetContentLines(lines)
}

func (n *nodesView) line(cells []string, widths []int) string {
	for i := range cells {
		cells[i] = pad(cells[i], widths[i])
	}
	return pad(strings.Join(cells, " "), n.width)
}

func (n *nodesView) View() string {
	if !n.reported {
		return n.styles.Dim.Render(n.placeholder)
	}
	cols, widths := n.columns()
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	return n.styles.Header.Render(n.line(titles, widths)) + "\n" + n.vp.View()
}

func shortResource(r string) string {
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		return r[i+1:]
	}
	return r
}
