package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
)

// exampleAudit audits the example platform, for components driven alone.
func exampleAudit(t testing.TB) (*audit.Inventory, *audit.Report) {
	t.Helper()
	inv := examplePlatform(t).Inventory
	return inv, newEngine(t).Audit(inv, audit.Options{Now: fixedTime})
}

// workload is the example's result of that name.
func workload(t testing.TB, rep *audit.Report, name string) *audit.Result {
	t.Helper()
	for i := range rep.Workloads {
		if rep.Workloads[i].Name == name {
			return &rep.Workloads[i]
		}
	}
	t.Fatalf("no workload %s", name)
	return nil
}

// ask gives a component one message and returns what it asked of the
// root.
func ask(c component, out *outbox, msg tea.Msg) []tea.Msg {
	c.Update(msg)
	return out.take()
}

// askKeys presses keys one by one and returns everything asked.
func askKeys(c component, out *outbox, keys ...string) []tea.Msg {
	var all []tea.Msg
	for _, k := range keys {
		all = append(all, ask(c, out, keyMsg(k))...)
	}
	return all
}

// alone runs one component as a program of its own (for teatest): the
// window size goes to SetSize, ctrl+c quits, and what the component
// asks of the root is recorded, for the final model.
type alone struct {
	c     component
	out   *outbox
	asked []tea.Msg
}

func (h *alone) Init() tea.Cmd { return h.c.Init() }

func (h *alone) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		h.c.SetSize(m.Width, m.Height)
		return h, nil
	case tea.KeyPressMsg:
		if m.String() == "ctrl+c" {
			return h, tea.Quit
		}
	}
	cmd := h.c.Update(msg)
	h.asked = append(h.asked, h.out.take()...)
	return h, cmd
}

func (h *alone) View() tea.View { return tea.NewView(h.c.View()) }
