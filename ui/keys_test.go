package ui

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEveryKey keeps the README's key table in step with the
// bindings the help overlay is generated from.
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, group := range NewKeyMap().FullHelp() {
		for _, b := range group {
			for _, k := range strings.Split(b.Help().Key, "/") {
				if k == "" { // the "/" key itself
					k = "/"
				}
				if !strings.Contains(string(readme), "`"+k) {
					t.Errorf("README's key table lacks %q (%s)", k, b.Help().Desc)
				}
			}
		}
	}
}
