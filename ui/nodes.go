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
// runtime handlers and kernel.
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

// nodeColumns are the nodes view's columns; kernel and runtime give way
// below 100 columns so the GPUs and handlers stay readable.
func (n *nodesView) nodeColumns() (titles []string, widths []int) {
	titles, widths = []string{"NODE"}, []int{20}
	if n.width >= 100 {
		titles, widths = append(titles, "KERNEL", "RUNTIME"), append(widths, 18, 9)
	}
	// A node with DRA devices says more (each driver's device types
	// besides its extended resources): the column grows to its longest
	// cell, up to a third of the screen.
	gpuWidth := 26
	for _, nd := range n.nodes {
		if slices.ContainsFunc(nd.GPUs, func(g audit.NodeGPU) bool { return g.DRA }) {
			gpuWidth = max(gpuWidth, min(len(nodeGPUCell(nd)), n.width/3))
		}
	}
	titles, widths = append(titles, "GPU alloc/allocatable/cap"), append(widths, gpuWidth)
	used := 0
	for _, w := range widths {
		used += w + 1
	}
	return append(titles, "HANDLERS"), append(widths, max(10, n.width-used))
}

func (n *nodesView) render() {
	if n.width == 0 {
		return
	}
	_, widths := n.nodeColumns()
	var lines []string
	for _, nd := range n.nodes {
		cells := []string{nd.Name}
		if n.width >= 100 {
			cells = append(cells, textutil.OrDash(nd.KernelVersion), textutil.OrDash(strings.TrimPrefix(nd.ContainerRuntimeVersion, "containerd://")))
		}
		cells = append(cells, textutil.OrDash(nodeGPUCell(nd)), textutil.OrDash(strings.Join(nd.RuntimeHandlers, ",")))
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
	titles, widths := n.nodeColumns()
	return n.styles.Header.Render(n.line(titles, widths)) + "\n" + n.vp.View()
}

func shortResource(r string) string {
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		return r[i+1:]
	}
	return r
}

// nodeGPUCell is a node's GPUs, "gpu 1/8/8 dra:mig 2/7/7": allocated,
// allocatable, capacity of each extended resource and of each driver's
// device type in ResourceSlices.
func nodeGPUCell(nd audit.NodeReport) string {
	var gpus []string
	for _, g := range nd.GPUs {
		name := shortResource(g.Resource)
		if g.DRA {
			name = "dra:" + name // gpu.nvidia.com/mig → dra:mig
		}
		gpus = append(gpus, fmt.Sprintf("%s %d/%d/%d", name, g.Allocated, g.Allocatable, g.Capacity))
	}
	return strings.Join(gpus, " ")
}
