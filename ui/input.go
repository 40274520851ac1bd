package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// inputMode is what the bottom line is typing, if anything.
type inputMode int

const (
	inputNone inputMode = iota
	inputFilter
	inputCommand
)

// inputLine is the filter line (/) and the command line (:). The filter
// is sent as it is typed (filterTextMsg); a command when enter is
// pressed (commandMsg). While it is open it takes every key but ctrl+c.
type inputLine struct {
	keys  inputKeys
	out   *outbox
	model textinput.Model
	mode  inputMode
	// commands are the command line's completions (tab takes one): the
	// fixed commands, ":ctx NAME" for each kubeconfig context and ":ns
	// NAME" for each namespace of the data on screen, refreshed with
	// every audit.
	commands []string
	contexts []string
}

func newInputLine(out *outbox, contexts []string) *inputLine {
	in := textinput.New()
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	l := &inputLine{keys: newInputKeys(), out: out, model: in, contexts: contexts}
	l.SetNamespaces(nil)
	return l
}

func (l *inputLine) Init() tea.Cmd { return nil }

func (l *inputLine) KeyMap() help.KeyMap { return l.keys }

func (l *inputLine) SetSize(w, _ int) { l.model.SetWidth(max(10, w-2)) }

// Open starts typing a filter or a command, from value.
func (l *inputLine) Open(mode inputMode, value string) tea.Cmd {
	l.mode = mode
	l.model.Prompt = ":"
	if mode == inputFilter {
		l.model.Prompt = "/"
	}
	l.model.SetValue(value)
	l.model.CursorEnd()
	// Completions for commands only: a filter is free text. textinput
	// keeps its matches while ShowSuggestions is off, so they are reset
	// with it on (a command's matches must not reach the filter line).
	l.model.ShowSuggestions = true
	if mode == inputCommand {
		l.model.SetSuggestions(l.commands)
	} else {
		l.model.SetSuggestions(nil)
	}
	l.model.ShowSuggestions = mode == inputCommand
	return l.model.Focus()
}

// SetNamespaces refreshes the ":ns NAME" completions.
func (l *inputLine) SetNamespaces(names []string) {
	l.commands = append(l.commands[:0], "ns all", "nodes", "pods", "help", "q")
	if len(l.contexts) > 0 {
		l.commands = append(l.commands, "ctx all")
	}
	for _, c := range l.contexts {
		l.commands = append(l.commands, "ctx "+c)
	}
	for _, n := range names {
		l.commands = append(l.commands, "ns "+n)
	}
	if l.mode == inputCommand {
		l.model.SetSuggestions(l.commands)
	}
}

// Active says the line is open.
func (l *inputLine) Active() bool { return l.mode != inputNone }

func (l *inputLine) close() {
	l.mode = inputNone
	l.model.Blur()
}

// Update takes keys: esc cancels (a filter is cleared), enter ends (a
// command runs), the rest is text.
func (l *inputLine) Update(msg tea.Msg) tea.Cmd {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok || !l.Active() {
		return nil
	}
	mode := l.mode
	switch {
	case key.Matches(m, l.keys.Cancel):
		if mode == inputFilter {
			l.out.send(filterTextMsg{})
		}
		l.close()
		return nil
	case key.Matches(m, l.keys.Accept):
		l.close()
		if mode == inputCommand {
			l.out.send(commandMsg{line: strings.TrimSpace(l.model.Value())})
		}
		return nil
	}
	var cmd tea.Cmd
	l.model, cmd = l.model.Update(m)
	if mode == inputFilter {
		l.out.send(filterTextMsg{text: l.model.Value()})
	}
	return cmd
}

func (l *inputLine) View() string { return l.model.View() }
