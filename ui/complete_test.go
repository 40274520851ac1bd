package ui

import (
	"strings"
	"testing"
)

// TestCommandLineCompletesNamespaces: tab on the command line completes
// ":ns" with the namespaces of the data on screen, and the commands; the
// filter line completes nothing.
func TestCommandLineCompletesNamespaces(t *testing.T) {
	a := loaded(t, examplePlatform(t), 120, 30)
	press(a, ":")
	typeText(a, "ns code")
	press(a, "tab")
	if got := a.input.model.Value(); got != "ns code-sandbox" {
		t.Errorf("tab after \"ns code\" gives %q, want \"ns code-sandbox\"", got)
	}
	press(a, "enter")
	if got := screen(a); !strings.Contains(got, "code-sandbox/") || strings.Contains(got, "agents/deploy/") {
		t.Errorf(":ns code-sandbox did not narrow the table:\n%s", got)
	}
	press(a, ":")
	typeText(a, "no")
	press(a, "tab")
	if got := a.input.model.Value(); got != "nodes" {
		t.Errorf("tab after \"no\" gives %q, want \"nodes\"", got)
	}
	press(a, "esc", "/")
	typeText(a, "ns co")
	press(a, "tab")
	if got := a.input.model.Value(); got != "ns co" {
		t.Errorf("the filter line completed %q to %q: a filter is free text", "ns co", got)
	}
	// A command's matches do not survive into the filter line (textinput
	// keeps them while suggestions are off; tab then cut a longer value).
	press(a, "esc", ":")
	typeText(a, "po")
	press(a, "enter", "/")
	typeText(a, "popopopo")
	press(a, "tab")
	if got := a.input.model.Value(); got != "popopopo" {
		t.Errorf("after :po, the filter line's tab gave %q", got)
	}
	if strings.Contains(screen(a), "pods") && strings.Contains(a.input.View(), "pods") {
		t.Errorf("the filter line shows a command's completion: %q", a.input.View())
	}
}
