package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// runCommand runs a ":" command, k9s-style.
func (a *App) runCommand(line string) tea.Cmd {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	switch fields[0] {
	case "q", "quit", "q!":
		a.chrome.notice = "press q to quit"
	case "pods", "po", "workloads", "wl":
		a.show(viewTable)
	case "nodes", "no", "node":
		a.show(viewNodes)
	case "help":
		a.openHelp()
	case "ns", "namespace":
		ns := ""
		if len(fields) > 1 && fields[1] != "all" && fields[1] != "-A" {
			ns = fields[1]
		}
		a.show(viewTable)
		// Outside the live feed's scope: a new feed. Within it (or on
		// files): a filter.
		if cmd := a.session.openNamespace(ns); cmd != nil {
			return cmd
		}
		a.table.SetNamespace(a.session.namespaceFilter(ns))
		if note := a.session.namespaceNote(ns); note != "" {
			a.chrome.notice = note
		}
	case "ctx", "context", "contexts":
		name := ""
		if len(fields) > 1 {
			name = fields[1]
		}
		if name != "" {
			a.show(viewTable)
		}
		return a.session.openContext(name)
	default:
		a.chrome.notice = "unknown command " + fields[0] + " (try ns NAME, ns all, ctx NAME, ctx all, nodes, pods, help)"
	}
	return nil
}
