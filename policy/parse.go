package policy

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// Parse reads a policy document (YAML or JSON). Unknown fields are errors,
// so that a typo never silently weakens a policy.
func Parse(data []byte) (*Policy, error) {
	lines, errs := shape(data)
	if len(errs) > 0 {
		return nil, ValidationError(errs)
	}
	var p Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p.lines = lines
	if p.APIVersion != APIVersion || p.Kind != Kind {
		return nil, fmt.Errorf("policy: want apiVersion %s and kind %s, got %q and %q", APIVersion, Kind, p.APIVersion, p.Kind)
	}
	return &p, nil
}

// Merge lays a user policy over base and returns a new policy: tiers and
// rule overrides replace base entries key by key, user handler mappings
// come before the built-in ones, the rest is taken from the user policy
// when set there.
func Merge(base, user *Policy) *Policy {
	out := *base
	out.Tiers = make(map[WorkloadType]Tier, len(base.Tiers))
	for k, v := range base.Tiers {
		out.Tiers[k] = v
	}
	for k, v := range user.Tiers {
		out.Tiers[k] = v
	}
	out.ApplyToAllPods = base.ApplyToAllPods || user.ApplyToAllPods
	out.Handlers = append(append([]HandlerRule(nil), user.Handlers...), base.Handlers...)
	if user.GVisorGPUProducts != nil {
		out.GVisorGPUProducts = append([]string(nil), user.GVisorGPUProducts...)
	}
	out.Classification = append(append([]ClassificationRule(nil), user.Classification...), base.Classification...)
	out.Rules = make(map[string]RuleOverride, len(base.Rules)+len(user.Rules))
	for k, v := range base.Rules {
		out.Rules[k] = v
	}
	for k, v := range user.Rules {
		out.Rules[k] = v
	}
	out.Exemptions = append(append([]Exemption(nil), base.Exemptions...), user.Exemptions...)
	// Field paths name the user's entries where the merge keeps their
	// index: handlers and classification rules come first; exemptions do
	// when the base has none (the default policy has none).
	out.lines = user.lines
	return &out
}

// Marshal renders a policy as YAML.
func Marshal(p *Policy) ([]byte, error) { return yaml.Marshal(p) }
