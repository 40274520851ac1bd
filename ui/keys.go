package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every binding, k9s-like. The help overlay is generated from it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, Filter, Command, Help      key.Binding
	Type, Severity, Sort, Reverse, Toggle   key.Binding
	Nodes, Info, Quit                       key.Binding
	// Fix shows the fix of the workload in the detail view; Apply runs
	// its server dry run; Confirm, TakeOwnership and Decline answer the
	// apply question.
	Fix, Apply, Confirm, TakeOwnership, Decline key.Binding
	// Probe reads the selected pod's kernel (exec or ephemeral container).
	Probe key.Binding
	// Interrupt quits from anywhere, the filter line included (where q
	// is text); Accept and Cancel end the filter and command lines.
	Interrupt, Accept, Cancel key.Binding
}

// NewKeyMap returns the default bindings.
func NewKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup/ctrl+b", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn/ctrl+f", "page down", "pgdown", "ctrl+f"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),
		Enter:    b("enter", "details / fold group", "enter"),
		Back:     b("esc", "back / clear filter", "esc"),
		Filter:   b("/", "filter", "/"),
		Command:  b(":", "command (ns, nodes, pods, q)", ":"),
		Help:     b("?", "help", "?"),
		Type:     b("t", "cycle type filter", "t"),
		Severity: b("v", "cycle severity filter", "v"),
		Sort:     b("s", "next sort column", "s"),
		Reverse:  b("S", "reverse sort", "S"),
		Toggle:   b("space", "fold/unfold group", "space"),
		Nodes:    b("n", "nodes view", "n"),
		Info:     b("i", "source info, what is not visible", "i"),
		Quit:     b("q/ctrl+c", "quit", "q", "ctrl+c"),
		Fix:      b("f", "fix (details)", "f"),
		Apply:    b("a", "dry run, apply", "a"),
		Confirm:  b("y", "confirm apply", "y"),
		// Answers the apply question only when it lists fields other
		// managers own.
		TakeOwnership: b("o", "take ownership, apply", "o"),
		Decline:       b("n", "decline", "n"),
		Probe:         b("p", "probe the pod's kernel", "p"),

		Interrupt: b("ctrl+c", "quit", "ctrl+c"),
		Accept:    b("enter", "apply", "enter"),
		Cancel:    b("esc", "cancel", "esc"),
	}
}

// ShortHelp is the status line's hint.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Enter, k.Filter, k.Type, k.Severity, k.Sort, k.Nodes, k.Help, k.Quit}
}

// FullHelp is the help overlay, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Enter, k.Toggle, k.Back, k.Filter, k.Command},
		{k.Type, k.Severity, k.Sort, k.Reverse, k.Nodes, k.Info, k.Help, k.Quit},
		{k.Fix, k.Apply, k.Confirm, k.TakeOwnership, k.Decline, k.Probe},
	}
}
