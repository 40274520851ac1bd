package engines

import (
	"strings"
	"testing"
)

// TestTable checks what the classifier and the figures rely on: unique
// names, lowercase needles, and families and ports for every engine read.
func TestTable(t *testing.T) {
	names := map[string]bool{}
	prefixes := map[string]bool{}
	for _, e := range All() {
		if e.Name == "" || names[e.Name] {
			t.Errorf("engine name %q empty or repeated", e.Name)
		}
		names[e.Name] = true
		if len(e.Images) == 0 {
			t.Errorf("%s: no image needles: the classifier would never see it run", e.Name)
		}
		for _, s := range append(append([]string{}, e.Images...), e.Commands...) {
			if s == "" || s != strings.ToLower(s) {
				t.Errorf("%s: needle %q must be non-empty and lowercase (matched against lowercased text)", e.Name, s)
			}
		}
		if m := e.Metrics; m != nil {
			if m.Prefix == "" || prefixes[m.Prefix] {
				t.Errorf("%s: metric prefix %q empty or shared: the exposition would not say whose it is", e.Name, m.Prefix)
			}
			prefixes[m.Prefix] = true
			if len(m.Ports) == 0 {
				t.Errorf("%s: no default metrics port", e.Name)
			}
			if m.Tokens == "" && m.TokensSum == "" && m.Inferences == "" {
				t.Errorf("%s: no family to rate (tokens, token sums or inferences)", e.Name)
			}
			for _, f := range []string{m.Tokens, m.Prompt, m.TokensSum, m.PromptSum, m.Inferences, m.Running, m.Waiting} {
				if f != "" && !strings.HasPrefix(f, m.Prefix) {
					t.Errorf("%s: family %q lacks the prefix %q", e.Name, f, m.Prefix)
				}
			}
		}
	}
}
