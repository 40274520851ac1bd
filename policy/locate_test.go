package policy

import (
	"strings"
	"testing"
)

const head = "apiVersion: tiergate.dev/v1alpha1\nkind: Policy\n"

// TestPolicyErrorsNameTheFieldAndLine: what policy validate and --policy
// print for a bad file, problem by problem: the file, the line where the
// YAML has it, the field path, what is wrong. Parse's problems (shape)
// and Compile's (values) alike, in the file's order, on one line.
func TestPolicyErrorsNameTheFieldAndLine(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string
	}{
		{"unknown top-level field", head + "tierz: {}\n",
			[]string{"p.yaml:3: tierz: unknown field (the fields here are apiVersion, kind, tiers, applyToAllPods, handlers, gvisorGPUProducts, gvisorDriverVersions, gvisorRelease, vfioGPUResources, vmColdPlugsDRA, classification, podSecurity, rules, exemptions)"}},
		{"a typo in a tier", head + "tiers:\n  agent:\n    minimun: vm\n",
			[]string{"p.yaml:5: tiers.agent.minimun: unknown field (the fields here are minimum, recommended)"}},
		{"a tier that is a string", head + "tiers:\n  agent: vm\n",
			[]string{`p.yaml:4: tiers.agent: want a mapping (minimum, recommended), got "vm"`}},
		{"a bool that is not", head + "applyToAllPods: maybe\n",
			[]string{`p.yaml:3: applyToAllPods: want true or false, got "maybe"`}},
		{"not a boolean at all", head + "applyToAllPods: yes please\n",
			[]string{`p.yaml:3: applyToAllPods: want true or false, got "yes please"`}},
		{"a list that is a word", head + "gvisorGPUProducts: T4\n",
			[]string{`p.yaml:3: gvisorGPUProducts: want a list, got "T4"`}},
		{"an unknown field in a list item", head + "classification:\n- name: x\n  type: agent\n  match: {image: x}\n",
			[]string{"p.yaml:6: classification[0].match: unknown field (the fields here are name, type, image, selector)"}},
		{"a required reason left out", head + "exemptions:\n- namespace: rag\n  name: q\n  rule: TG-PSS-009\n",
			[]string{"p.yaml:4: exemptions[0].reason: required (say why the finding is accepted)"}},
		{"YAML 1.1 booleans are booleans", head + "applyToAllPods: yes\nrules:\n  TG-PSS-004: {disabled: on}\n", nil},
		{"a list that is a mapping", head + "handlers:\n  match: x\n",
			[]string{"p.yaml:3: handlers: want a list, got a mapping"}},
		{"a string that is a list", head + "tiers:\n  agent:\n    minimum: [vm]\n",
			[]string{"p.yaml:5: tiers.agent.minimum: want a string, got a list"}},
		{"a string that is a number", head + "handlers:\n- {match: 123, isolation: vm, gpu: none}\n",
			[]string{"p.yaml:4: handlers[0].match: want a string, got the number 123 (quote it)"}},
		{"an unknown isolation", head + "tiers:\n  agent:\n    minimum: vmm\n",
			[]string{`p.yaml:5: tiers.agent.minimum: "vmm" is not one of shared-kernel, gvisor, vm, microvm`}},
		{"a recommendation weaker than the minimum", head + "tiers:\n  agent: {minimum: vm, recommended: gvisor}\n",
			[]string{"p.yaml:4: tiers.agent.recommended: gvisor is weaker than the minimum vm"}},
		{"an unknown workload type", head + "tiers:\n  chatbot: {minimum: vm}\n",
			[]string{"p.yaml:4: tiers.chatbot: not one of inference, retrieval, agent, code-exec"}},
		{"several, in the file's order", head + "exemptions:\n- namespace: a\n  name: b\n  rule: TG-ISO-001\n  reason: x\n- namespace: '['\n  name: '*'\n  rule: TG-ISO-001\n  reason: typo\n  expires: 31/12/2026\nrules:\n  TG-ISO-001: {severity: urgent}\nhandlers:\n- {match: kata, isolation: vm, gpu: none}\n- {match: '[', isolation: box, gpu: none}\n",
			[]string{
				`p.yaml:8: exemptions[1].namespace: bad glob "["`,
				`p.yaml:12: exemptions[1].expires: "31/12/2026" is not a YYYY-MM-DD date`,
				`p.yaml:14: rules.TG-ISO-001.severity: "urgent" is not one of low, medium, high, critical`,
				`p.yaml:17: handlers[1].match: bad glob "["`,
				`p.yaml:17: handlers[1].isolation: "box" is not one of shared-kernel, gvisor, vm, microvm, unknown`,
			}},
		{"podSecurity: a level, a version and relax entries, each at its line", head + "podSecurity:\n  level: strict\n  version: v2.1\n  relax:\n    agent: baseline\n    chatbot: privileged\n    inference: none\n",
			[]string{
				`p.yaml:4: podSecurity.level: "strict" is not one of baseline, restricted`,
				`p.yaml:5: podSecurity.version: "v2.1" is not "latest" or a version such as "v1.30"`,
				`p.yaml:8: podSecurity.relax.chatbot: not one of inference, retrieval, agent, code-exec, none`,
				`p.yaml:9: podSecurity.relax.inference: "none" is not one of privileged, baseline, restricted`,
			}},
		{"podSecurity: relax never raises the level", head + "podSecurity:\n  level: baseline\n  relax: {agent: restricted, none: privileged}\n",
			[]string{`p.yaml:5: podSecurity.relax.agent: restricted is stricter than the level baseline (relax only lowers it)`}},
		{"podSecurity: an unknown type in relax", head + "podSecurity:\n  level: restricted\n  version: v1.30\n  relax: {training: baseline}\n",
			[]string{`p.yaml:6: podSecurity.relax.training: not one of inference, retrieval, agent, code-exec, none`}},
		{"podSecurity: latest and privileged relax are fine", head + "podSecurity: {level: baseline, version: latest, relax: {none: privileged}}\n", nil},
		{"a required field left out: its item's line", head + "classification:\n- name: a\n  type: agent\n  image: x\n- type: agent\n  image: '('\n",
			[]string{"p.yaml:7: classification[1].name: required", "p.yaml:8: classification[1].image: bad regular expression: error parsing regexp: missing closing ): `(`"}},
		{"not a policy", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			[]string{
				`p.yaml:1: apiVersion: want tiergate.dev/v1alpha1, got "v1"`,
				`p.yaml:2: kind: want Policy, got "ConfigMap"`,
				"p.yaml:3: metadata: unknown field (the fields here are apiVersion, kind, tiers, applyToAllPods, handlers, gvisorGPUProducts, gvisorDriverVersions, gvisorRelease, vfioGPUResources, vmColdPlugsDRA, classification, podSecurity, rules, exemptions)",
			}},
		{"empty", "", []string{"p.yaml: apiVersion: want tiergate.dev/v1alpha1, got nothing", "p.yaml: kind: want Policy, got nothing"}},
		{"a list, not a mapping", "- a\n", []string{
			"p.yaml: apiVersion: want tiergate.dev/v1alpha1, got nothing", "p.yaml: kind: want Policy, got nothing",
			"p.yaml: the document: want a mapping (apiVersion, kind, tiers, applyToAllPods, handlers, gvisorGPUProducts, gvisorDriverVersions, gvisorRelease, vfioGPUResources, vmColdPlugsDRA, classification, podSecurity, rules, exemptions), got a list"}},
		{"YAML that does not parse", head + "tiers: [\n", []string{"p.yaml:3: did not find expected node content"}},
		{"JSON", `{"apiVersion": "tiergate.dev/v1alpha1", "kind": "Policy",` + "\n" + `"tiers": {"agent": {"minimum": "box"}}}`,
			[]string{`p.yaml:2: tiers.agent.minimum: "box" is not one of shared-kernel, gvisor, vm, microvm`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := validate([]byte(tt.doc))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if got, want := Locate("p.yaml", []byte(tt.doc), err).Error(), strings.Join(tt.want, "; "); got != want {
				t.Errorf("got\n  %s\nwant\n  %s", got, want)
			}
		})
	}
}

// validate is what the command does with a file: parse, lay over the
// default, compile.
func validate(data []byte) error {
	user, err := Parse(data)
	if err != nil {
		return err
	}
	_, err = Compile(Merge(Default(), user))
	return err
}
