package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/internal/textutil"
)

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

// indent prefixes the first line and the continuation lines of s.
func indent(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + strings.TrimRight(lines[i], " ")
		} else {
			lines[i] = rest + strings.TrimRight(lines[i], " ")
		}
	}
	return strings.Join(lines, "\n")
}

// oneLine folds a message (errors can span lines) onto one printable line.
func oneLine(s string) string { return textutil.Printable(textutil.OneLine(s)) }

// fit makes a block exactly w×h: lines cut or padded, missing lines added.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = fitLine(lines[i], w)
	}
	return strings.Join(lines, "\n")
}

// fitLine cuts a (styled) line to w cells and pads it.
func fitLine(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := lipgloss.Width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}
