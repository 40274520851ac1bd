package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestHelpAlone: the help overlay shows the bindings it was opened with,
// scrolls when taller than its room, and asks to be closed.
func TestHelpAlone(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	h := newHelpView(&st, out, append(newFixKeys().FullHelp(), newGlobalKeys().FullHelp()...))
	h.SetSize(80, 21)
	v := ansi.Strip(h.View())
	for _, want := range []string{"confirm apply", "take ownership, apply", "decline", "command (ns, nodes, pods, q)", "↓ more"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "cycle type filter") || strings.Contains(v, "nodes view") {
		t.Errorf("the fix view's help shows another view's keys:\n%s", v)
	}
	for range 40 {
		askKeys(h, out, "down")
	}
	if v := ansi.Strip(h.View()); !strings.Contains(v, "↑ back up") || !strings.Contains(v, "nothing found") {
		t.Errorf("scrolled to the end:\n%s", v)
	}
	for _, k := range []string{"esc", "?", "i"} {
		if got := askKeys(h, out, k); len(got) != 1 || got[0] != (closeOverlayMsg{}) {
			t.Errorf("%s asked %v", k, got)
		}
	}
}

// TestInfoAlone: the info overlay says the facts it is given and cuts a
// long list with a count of the rest.
func TestInfoAlone(t *testing.T) {
	st, out := NewStyles(), &outbox{}
	v := newInfoView(&st, out)
	v.SetSize(80, 21)
	gaps := make([]string, 30)
	for i := range gaps {
		gaps[i] = "secrets in team-" + itoa(i) + ": forbidden"
	}
	v.Set(infoFacts{source: "context lab, all namespaces", data: "snapshot 3 from 10:00:00, audited in 2ms",
		err: "watch: connection refused", figures: []string{"not read (--metrics=false)"}, reported: true, notVisible: gaps})
	s := ansi.Strip(v.View())
	for _, want := range []string{"context lab, all namespaces", "snapshot 3 from 10:00:00", "watch: connection refused (the table shows the last data)",
		"not read (--metrics=false)", "not visible", "secrets in team-0: forbidden", "more lines: tiergate audit prints them all", "esc or i closes"} {
		if !strings.Contains(s, want) {
			t.Errorf("info lacks %q:\n%s", want, s)
		}
	}
	if n := len(strings.Split(s, "\n")); n != 21 {
		t.Errorf("%d lines, want 21", n)
	}
	v.Set(infoFacts{source: "files x", data: "syncing"})
	if s := ansi.Strip(v.View()); strings.Contains(s, "not visible") {
		t.Errorf("before a report nothing is said of what is not visible:\n%s", s)
	}
	if got := askKeys(v, out, "j", "i"); len(got) != 1 || got[0] != (closeOverlayMsg{}) {
		t.Errorf("j i asked %v", got)
	}
}

// TestInputAlone: the filter line sends its text as it is typed and
// clears it on esc; the command line sends its command on enter.
func TestInputAlone(t *testing.T) {
	out := &outbox{}
	l := newInputLine(out, nil)
	l.SetSize(80, 1)
	if l.Active() || ask(l, out, keyMsg("x")) != nil {
		t.Fatal("a closed line took a key")
	}
	l.Open(inputFilter, "qd")
	if got := askKeys(l, out, "r"); len(got) != 1 || got[0] != (filterTextMsg{text: "qdr"}) || !strings.HasPrefix(ansi.Strip(l.View()), "/qdr") {
		t.Errorf("typing asked %v, line %q", got, ansi.Strip(l.View()))
	}
	if got := askKeys(l, out, "esc"); len(got) != 1 || got[0] != (filterTextMsg{}) || l.Active() {
		t.Errorf("esc asked %v (active %v)", got, l.Active())
	}
	l.Open(inputCommand, "")
	var got []tea.Msg
	for _, r := range " ns rag " {
		got = append(got, ask(l, out, tea.KeyPressMsg{Code: r, Text: string(r)})...)
	}
	if len(got) != 0 {
		t.Errorf("typing a command asked %v", got)
	}
	if got := askKeys(l, out, "enter"); len(got) != 1 || got[0] != (commandMsg{line: "ns rag"}) || l.Active() {
		t.Errorf("enter asked %v (active %v)", got, l.Active())
	}
}
