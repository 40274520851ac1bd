package policy

import (
	"strings"
	"testing"
)

// TestPolicyErrorsNameFieldAndLine: every problem in a policy file names
// its field path and its line, the decoder's as much as Compile's.
func TestPolicyErrorsNameFieldAndLine(t *testing.T) {
	head := "apiVersion: tiergate.dev/v1alpha1\nkind: Policy\n"
	for _, tt := range []struct{ doc, want string }{
		{"bogus: 1\n", "bogus: unknown field (known: apiVersion, kind, tiers,"},
		{"handlers:\n  runsc: {isolation: gvisor}\n", "handlers: want a list, got a mapping (line 4)"},
		{"classification:\n- name: x\n  type: agent\n  match: {image: x}\n", "classification[0].match: unknown field (known: name, type, image, selector) (line 6)"},
		{"applyToAllPods: yes please\n", `applyToAllPods: want true or false, got "yes please" (line 3)`},
		{"gvisorGPUProducts: T4\n", `gvisorGPUProducts: want a list, got "T4" (line 3)`},
		{"tiers:\n  agent:\n    minimum: [vm]\n", "tiers.agent.minimum: want a word, got a list (line 5)"},
		{"tiers:\n  agent:\n    minimum: vmm\n", `tiers.agent.minimum: unknown isolation "vmm" (want shared-kernel, gvisor, vm or microvm) (line 5)`},
		{"exemptions:\n- namespace: rag\n  name: q\n  rule: \"[\"\n  reason: r\n", `exemptions[0].rule: bad pattern "[" (line 6)`},
		// A missing field is reported at the line of what holds it.
		{"exemptions:\n- namespace: rag\n  name: q\n  rule: TG-PSS-009\n", "exemptions[0].reason: required (say why the finding is accepted) (line 4)"},
		{"rules:\n  TG-PSS-004: {severity: urgent}\n", `rules.TG-PSS-004.severity: "urgent" (want low, medium, high or critical) (line 4)`},
	} {
		t.Run(strings.SplitN(tt.doc, "\n", 2)[0], func(t *testing.T) {
			var err error
			user, perr := Parse([]byte(head + tt.doc))
			if err = perr; err == nil {
				_, err = Compile(Merge(Default(), user))
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant %q", err, tt.want)
			}
		})
	}
}
