package ui

import "charm.land/bubbles/v2/key"

// Every component has its own bindings, built by its constructor: within
// one view a key means one thing, and the help overlay shows the focused
// view's bindings with the global ones. They are k9s-like.

func binding(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// globalKeys work over every view; while the command or filter line is
// open only Interrupt does (q is text there).
type globalKeys struct {
	Command, Info, Help, Quit, Interrupt key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Command:   binding(":", "command (ns, nodes, pods, q)", ":"),
		Info:      binding("i", "source info, what is not visible", "i"),
		Help:      binding("?", "help", "?"),
		Quit:      binding("q/ctrl+c", "quit", "q", "ctrl+c"),
		Interrupt: binding("ctrl+c", "quit", "ctrl+c"),
	}
}

func (k globalKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Command, k.Info, k.Help, k.Quit}
}

func (k globalKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// navKeys move the table's cursor or scroll a view's page.
type navKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

func newNavKeys() navKeys {
	return navKeys{
		Up:       binding("↑/k", "up", "up", "k"),
		Down:     binding("↓/j", "down", "down", "j"),
		PageUp:   binding("pgup/ctrl+b", "page up", "pgup", "ctrl+b"),
		PageDown: binding("pgdn/ctrl+f", "page down", "pgdown", "ctrl+f"),
		Top:      binding("g/home", "top", "g", "home"),
		Bottom:   binding("G/end", "bottom", "G", "end"),
	}
}

func (k navKeys) all() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// tableKeys are the workload table's.
type tableKeys struct {
	nav                                  navKeys
	Enter, Toggle, Clear, Filter, Probe  key.Binding
	ProbeScreen                          key.Binding
	Type, Severity, Sort, Reverse, Nodes key.Binding
}

func newTableKeys() tableKeys {
	return tableKeys{
		nav:    newNavKeys(),
		Enter:  binding("enter", "details / fold group", "enter"),
		Toggle: binding("space", "fold/unfold group or pods", "space"),
		Clear:  binding("esc", "clear filters", "esc"),
		Filter: binding("/", "filter", "/"),
		Probe:  binding("p", "probe the pod's kernel", "p"),
		// The pods on screen whose RuntimeClass claims more than the
		// node's kernel, a few at a time.
		ProbeScreen: binding("P", "probe the pods on screen", "P"),
		Type:        binding("t", "cycle type filter", "t"),
		Severity:    binding("v", "cycle severity filter", "v"),
		Sort:        binding("s", "next sort column", "s"),
		Reverse:     binding("S", "reverse sort", "S"),
		Nodes:       binding("n", "nodes view", "n"),
	}
}

func (k tableKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Enter, k.Filter, k.Type, k.Severity, k.Sort, k.Nodes}
}

func (k tableKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.nav.all(), {k.Enter, k.Toggle, k.Clear, k.Filter, k.Probe, k.ProbeScreen}, {k.Type, k.Severity, k.Sort, k.Reverse, k.Nodes}}
}

// detailKeys are the detail view's.
type detailKeys struct {
	nav                     navKeys
	Back, Fix, Probe, Nodes key.Binding
}

func newDetailKeys() detailKeys {
	return detailKeys{
		nav:   newNavKeys(),
		Back:  binding("esc", "back", "esc"),
		Fix:   binding("f", "fix", "f"),
		Probe: binding("p", "probe the pod's kernel", "p"),
		Nodes: binding("n", "nodes view", "n"),
	}
}

func (k detailKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Fix, k.Back, k.nav.Up, k.nav.Down}
}

func (k detailKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.nav.all(), {k.Back, k.Fix, k.Probe, k.Nodes}}
}

// nodesKeys are the nodes view's.
type nodesKeys struct {
	nav  navKeys
	Back key.Binding
}

func newNodesKeys() nodesKeys {
	return nodesKeys{nav: newNavKeys(), Back: binding("esc", "back", "esc")}
}

func (k nodesKeys) ShortHelp() []key.Binding { return []key.Binding{k.Back} }

func (k nodesKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.nav.all(), {k.Back}} }

// fixKeys are the fix view's: Apply runs the server dry run; Confirm,
// TakeOwnership and Decline answer the apply question (esc declines it
// too, as it backs out of anything).
type fixKeys struct {
	nav                                          navKeys
	Back, Apply, Confirm, TakeOwnership, Decline key.Binding
}

func newFixKeys() fixKeys {
	return fixKeys{
		nav:     newNavKeys(),
		Back:    binding("esc", "back", "esc"),
		Apply:   binding("a", "dry run, apply", "a"),
		Confirm: binding("y", "confirm apply", "y"),
		// Answers the apply question only when it lists fields other
		// managers own.
		TakeOwnership: binding("o", "take ownership, apply", "o"),
		Decline:       binding("n", "decline", "n"),
	}
}

func (k fixKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Apply, k.Back, k.nav.Up, k.nav.Down}
}

func (k fixKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.nav.all(), {k.Back, k.Apply, k.Confirm, k.TakeOwnership, k.Decline}}
}

// overlayKeys are the help and info overlays': both close on ?, i or esc;
// the help scrolls when it is taller than the screen.
type overlayKeys struct {
	Up, Down, Close key.Binding
}

func newOverlayKeys() overlayKeys {
	return overlayKeys{
		Up:    binding("↑/k", "scroll up", "up", "k"),
		Down:  binding("↓/j", "scroll down", "down", "j"),
		Close: binding("esc/?/i", "close", "esc", "?", "i"),
	}
}

func (k overlayKeys) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.Close} }

func (k overlayKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// inputKeys end the filter and command lines.
type inputKeys struct {
	Accept, Cancel, Complete key.Binding
}

func newInputKeys() inputKeys {
	// Complete is textinput's own AcceptSuggestion key, named for help.
	return inputKeys{Accept: binding("enter", "apply", "enter"), Cancel: binding("esc", "cancel", "esc"), Complete: binding("tab", "complete a command or namespace", "tab")}
}

func (k inputKeys) ShortHelp() []key.Binding { return []key.Binding{k.Accept, k.Cancel, k.Complete} }

func (k inputKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
