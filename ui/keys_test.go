package ui

import (
	"os"
	"strings"
	"testing"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
)

// keyMaps are every component's bindings and the global ones.
func keyMaps(a *App) map[string]help.KeyMap {
	out := map[string]help.KeyMap{"global": a.keys, "input": a.input.KeyMap(),
		"help": newHelpView(a.chrome.styles, a.out, nil).KeyMap(), "info": newInfoView(a.chrome.styles, a.out).KeyMap()}
	for id, v := range a.views() {
		out[[...]string{"table", "detail", "nodes", "fix"}[id]] = v.KeyMap()
	}
	return out
}

// TestREADMEListsEveryKey keeps the README's key table in step with the
// bindings the help overlay is generated from.
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, km := range keyMaps(New(Config{})) {
		for _, group := range km.FullHelp() {
			for _, b := range group {
				for _, k := range strings.Split(b.Help().Key, "/") {
					if k == "" { // the "/" key itself
						k = "/"
					}
					if !strings.Contains(string(readme), "`"+k) {
						t.Errorf("README's key table lacks %q (%s: %s)", k, name, b.Help().Desc)
					}
				}
			}
		}
	}
}

// TestNoKeyMeansTwoThingsInAView: within one component's bindings (and
// with the global ones, which work over every view) no key is bound
// twice, so that a key does one thing wherever the focus is.
func TestNoKeyMeansTwoThingsInAView(t *testing.T) {
	a := New(Config{})
	global := map[string]string{}
	for _, b := range []key.Binding{a.keys.Command, a.keys.Info, a.keys.Help, a.keys.Quit} {
		for _, k := range b.Keys() {
			global[k] = b.Help().Desc
		}
	}
	for name, km := range keyMaps(a) {
		if name == "global" || name == "input" || name == "help" || name == "info" {
			continue // the input line and the overlays take the keys before the global ones
		}
		seen := map[string]string{}
		for _, group := range km.FullHelp() {
			for _, b := range group {
				for _, k := range b.Keys() {
					if d, ok := seen[k]; ok {
						t.Errorf("%s: %q is both %q and %q", name, k, d, b.Help().Desc)
					}
					if d, ok := global[k]; ok {
						t.Errorf("%s: %q is %q, but globally %q", name, k, b.Help().Desc, d)
					}
					seen[k] = b.Help().Desc
				}
			}
		}
	}
}
