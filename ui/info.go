package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// infoFacts are what the info overlay says, as the session describes
// itself: where the data comes from, how fresh it is, the live figures
// and what their sources said, and what this user could not see.
type infoFacts struct {
	source, data string
	err          string // "" for none
	figures      []string
	notes        []string
	// clusters are the fleet's members, each with its state (why one is
	// unreachable); none for one cluster.
	clusters []string
	// reported: a report is on screen; notVisible is what RBAC hid
	// from it.
	reported   bool
	notVisible []string
}

// describe is the session's facts for the info overlay.
func (s *session) describe() infoFacts {
	src := s.src.scope
	if s.src.context != "" && s.fleet == nil {
		src = "context " + s.src.context + ", " + src
	}
	if s.src.server != "" && s.fleet == nil {
		src += ", server " + s.src.server
	}
	f := infoFacts{source: src, data: s.dataLine(), reported: s.data.report != nil}
	if s.fleet != nil {
		f.source = itoa(len(s.fleet.members)) + " contexts, " + src
		f.clusters = s.fleet.lines()
	}
	if s.data.err != nil {
		f.err = s.data.err.Error()
	}
	f.figures, f.notes = s.figuresInfo()
	if f.reported {
		f.notVisible = s.data.report.NotVisible
	}
	return f
}

// infoView is the info overlay, so that an empty or thin table is never
// mistaken for a clean cluster. On a small screen its lists (the
// sources' notes, then what is not visible) are cut, with a count of
// what did not fit.
type infoView struct {
	styles        *Styles
	keys          overlayKeys
	out           *outbox
	facts         infoFacts
	width, height int
}

func newInfoView(styles *Styles, out *outbox) *infoView {
	return &infoView{styles: styles, keys: newOverlayKeys(), out: out}
}

func (v *infoView) Init() tea.Cmd { return nil }

// KeyMap: the info overlay only closes.
func (v *infoView) KeyMap() help.KeyMap { return closeOnly{v.keys.Close} }

func (v *infoView) SetSize(w, h int) { v.width, v.height = w, h }

// Set gives the overlay the session's facts (the root does, after each
// message, while it is open).
func (v *infoView) Set(f infoFacts) { v.facts = f }

func (v *infoView) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok && key.Matches(m, v.keys.Close) {
		v.out.send(closeOverlayMsg{})
	}
	return nil
}

func (v *infoView) View() string {
	f := &v.facts
	room := max(20, min(v.width-6, 100))
	wrap := func(text string) []string {
		return strings.Split(indent(lipgloss.NewStyle().Width(room-2).Render(oneLine(text)), "", "  "), "\n")
	}
	var head []string
	add := func(label string, texts ...string) {
		head = append(head, v.styles.Header.Render(label))
		for _, t := range texts {
			head = append(head, wrap(t)...)
		}
		head = append(head, "")
	}
	add("source", f.source)
	if len(f.clusters) > 0 {
		add("clusters", f.clusters...)
	}
	add("data", f.data)
	if f.err != "" {
		add("error", f.err+" (the table shows the last data)")
	}
	add("live figures", f.figures...)
	var noteLines []string
	for _, n := range f.notes {
		noteLines = append(noteLines, wrap("• "+n)...)
	}
	var gapLines []string
	switch {
	case !f.reported:
	case len(f.notVisible) == 0:
		gapLines = wrap("nothing: every list tiergate needs was allowed")
	default:
		for _, g := range f.notVisible {
			gapLines = append(gapLines, wrap("• "+g)...)
		}
	}
	// Border (2), the hint, a blank after the notes, the gaps' title and
	// a blank after them.
	fit := v.height - 2 - 1 - len(head)
	if len(gapLines) > 0 {
		fit -= 3
	}
	// The gaps keep at least three lines; the notes get what is left.
	noteRoom := max(1, fit-min(len(gapLines), 3))
	noteLines = cut(noteLines, noteRoom, "more notes: tiergate audit --metrics prints them all")
	gapLines = cut(gapLines, max(1, fit-len(noteLines)), "more lines: tiergate audit prints them all")
	lines := append(head[:len(head)-1:len(head)-1], noteLines...)
	lines = append(lines, "")
	if len(gapLines) > 0 {
		lines = append(lines, v.styles.Header.Render("not visible"))
		st := v.styles.Stale
		if f.reported && len(f.notVisible) == 0 {
			st = lipgloss.NewStyle()
		}
		for _, g := range gapLines {
			lines = append(lines, st.Render(g))
		}
		lines = append(lines, "")
	}
	lines = append(lines, v.styles.Dim.Render("esc or i closes"))
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(v.width, v.height, lipgloss.Center, lipgloss.Top, box)
}

// closeOnly is a key map of one binding.
type closeOnly struct{ close key.Binding }

func (c closeOnly) ShortHelp() []key.Binding  { return []key.Binding{c.close} }
func (c closeOnly) FullHelp() [][]key.Binding { return [][]key.Binding{{c.close}} }

// cut keeps n lines of ls, the last of them saying how many more there
// are.
func cut(ls []string, n int, more string) []string {
	if len(ls) <= n {
		return ls
	}
	keep := max(0, n-1)
	if keep == 0 {
		more = strings.TrimPrefix(more, "more ")
	}
	return append(ls[:keep:keep], "… "+itoa(len(ls)-keep)+" "+more)
}
