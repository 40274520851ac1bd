package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/viewport"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
)

// nodesView lists nodes with GPU capacity, allocatable and allocated,
// runtime handlers and kernel.
type nodesView struct {
	styles *Styles
	vp     viewport.Model
	width  int
	nodes  []audit.NodeReport
}

func newNodesView(styles *Styles) *nodesView {
	return &nodesView{styles: styles, vp: viewport.New()}
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
	titles, widths = append(titles, "GPU alloc/allocatable/cap"), append(widths, 26)
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
		var gpus []string
		for _, g := range nd.GPUs {
			gpus = append(gpus, fmt.Sprintf("%s %d/%d/%d", shortResource(g.Resource), g.Allocated, g.Allocatable, g.Capacity))
		}
		cells := []string{nd.Name}
		if n.width >= 100 {
			cells = append(cells, textutil.OrDash(nd.KernelVersion), textutil.OrDash(strings.TrimPrefix(nd.ContainerRuntimeVersion, "containerd://")))
		}
		cells = append(cells, textutil.OrDash(strings.Join(gpus, " ")), textutil.OrDash(strings.Join(nd.RuntimeHandlers, ",")))
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
	titles, widths := n.nodeColumns()
	return n.styles.Header.Render(n.line(titles, widths)) + "\n" + n.vp.View()
}

func shortResource(r string) string {
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		return r[i+1:]
	}
	return r
}
