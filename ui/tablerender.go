package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// emptyText says why no row is listed.
func (t *workloadTable) emptyText() string {
	if t.waiting || len(t.results) == 0 {
		return t.placeholder
	}
	switch f := t.f; {
	case f.namespace != "" && f.text == "" && f.typ == "" && f.minSeverity == "":
		return "no workloads in namespace " + f.namespace + " (:ns all shows every namespace)"
	case f.namespace != "":
		return "no workloads in namespace " + f.namespace + " match the filters (esc clears them; :ns all shows every namespace)"
	}
	return "no workloads match the filters (esc clears them)"
}

// View renders the column header and only the rows on screen.
func (t *workloadTable) View() string {
	var b strings.Builder
	b.WriteString(t.styles.Header.Render(t.line(func(i int, c column) string { return c.title })))
	h := t.bodyHeight()
	if len(t.rows) == 0 {
		// Wrapped, not cut: it may be an error the user must read whole.
		lines := strings.Split(lipgloss.NewStyle().Width(max(10, t.width)).Render(t.emptyText()), "\n")
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
	cell := func(c column) (string, lipgloss.Style) {
		s, st := c.cell(t, r.res)
		if c.name {
			s = r.tree.prefix() + s
		}
		return s, st
	}
	if selected {
		return t.styles.Selected.Render(t.line(func(i int, c column) string {
			s, _ := cell(c)
			return s
		}))
	}
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		s, st := cell(c)
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
