package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/audit"
)

// helpView is the help overlay: the bindings it was opened with (the
// focused view's and the global ones) in columns, the commands, and the
// verdicts the header counts by. Taller than the screen, it scrolls.
type helpView struct {
	styles        *Styles
	keys          overlayKeys
	out           *outbox
	groups        [][]key.Binding
	help          help.Model
	width, height int
	offset        int // first line shown
}

func newHelpView(styles *Styles, out *outbox, groups [][]key.Binding) *helpView {
	return &helpView{styles: styles, keys: newOverlayKeys(), out: out, groups: groups, help: help.New()}
}

func (h *helpView) Init() tea.Cmd { return nil }

func (h *helpView) KeyMap() help.KeyMap { return h.keys }

func (h *helpView) SetSize(w, height int) {
	h.width, h.height = w, height
	h.help.SetWidth(w)
}

func (h *helpView) Update(msg tea.Msg) tea.Cmd {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(m, h.keys.Close):
		h.out.send(closeOverlayMsg{})
	case key.Matches(m, h.keys.Down):
		h.offset = min(h.offset+1, max(0, len(h.lines())-h.room()))
	case key.Matches(m, h.keys.Up):
		h.offset = max(0, h.offset-1)
	}
	return nil
}

// room is how many lines of help fit in the box: the body less its
// border and footer.
func (h *helpView) room() int { return h.height - 3 }

func (h *helpView) View() string {
	lines := h.lines()
	// One width however it is scrolled: the box must not jump.
	w := 0
	for _, l := range lines {
		w = max(w, lipgloss.Width(l))
	}
	for i := range lines {
		lines[i] = fitLine(lines[i], w)
	}
	// Taller than the screen: a window of it, scrolled with ↑/↓, and the
	// last line says there is more.
	footer := "esc or ? closes"
	if fit := h.room(); len(lines) > fit && fit > 0 {
		off := min(h.offset, len(lines)-fit)
		if off+fit < len(lines) {
			footer = "↓ more    " + footer
		} else {
			footer = "↑ back up    " + footer
		}
		lines = lines[off : off+fit]
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).
		Render(strings.Join(lines, "\n") + "\n" + h.styles.Dim.Render(footer))
	return lipgloss.Place(h.width, h.height, lipgloss.Center, lipgloss.Center, box)
}

// lines are the help's lines: the key bindings in columns side by side
// when they fit (wrapping onto another band when they do not), the
// commands, and the verdicts.
func (h *helpView) lines() []string {
	var cols []string
	for _, group := range h.groups {
		cols = append(cols, h.help.FullHelpView([][]key.Binding{group}))
	}
	room := h.width - 4 // border and padding
	var bands []string
	for len(cols) > 0 {
		n := 1
		for n < len(cols) && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, spaced(cols[:n+1])...)) <= room {
			n++
		}
		bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, spaced(cols[:n])...))
		cols = cols[n:]
	}
	return strings.Split(h.styles.Header.Render("keys")+"\n\n"+strings.Join(bands, "\n\n")+"\n\n"+
		h.styles.Dim.Render(":ns NAME  :ns all  :ctx NAME  :ctx all  :nodes  :pods")+"\n\n"+h.verdictLegend(room), "\n")
}

// verdictLegend defines the words the header counts workloads by.
func (h *helpView) verdictLegend(room int) string {
	var b strings.Builder
	b.WriteString(h.styles.Header.Render("verdicts") + "\n")
	for _, v := range audit.Verdicts() {
		text := lipgloss.NewStyle().Width(max(10, room-12)).Render(v.Meaning())
		b.WriteString(indent(text, pad(v.Words(), 11)+" ", strings.Repeat(" ", 12)) + "\n")
	}
	b.WriteString(lipgloss.NewStyle().Width(room).Render("The group " + groupTitle(groupAttention) + " lists the first two above the type groups."))
	return b.String()
}

// spaced puts a gap after every column but the last.
func spaced(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if i < len(cols)-1 {
			c = lipgloss.NewStyle().PaddingRight(4).Render(c)
		}
		out[i] = c
	}
	return out
}
