package policy

import (
	"fmt"
	"reflect"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// Parse reads a policy document (YAML or JSON). Unknown fields are errors,
// so that a typo never silently weakens a policy. Its errors are a
// *SyntaxError or a ValidationError naming every bad field by its path;
// Locate adds the file and the lines.
func Parse(data []byte) (*Policy, error) {
	// The loader's YAML (1.1, as kubectl's) says whether it reads and
	// where it does not; yaml.v3's nodes give the fields' lines.
	if _, err := yaml.YAMLToJSONStrict(data); err != nil {
		return nil, syntaxError(err)
	}
	var errs ValidationError
	var root yamlv3.Node
	if yamlv3.Unmarshal(data, &root) == nil {
		var head struct {
			APIVersion any `yaml:"apiVersion"`
			Kind       any `yaml:"kind"`
		}
		_ = root.Decode(&head) // a document that is no mapping is the walk's to name
		if head.APIVersion != APIVersion {
			errs = append(errs, fmt.Sprintf("apiVersion: want %s, got %s", APIVersion, shown(head.APIVersion)))
		}
		if head.Kind != Kind {
			errs = append(errs, fmt.Sprintf("kind: want %s, got %s", Kind, shown(head.Kind)))
		}
		checkShape(&root, reflect.TypeFor[Policy](), "", &errs)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var p Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("policy: %w", err) // what the walk does not foresee
	}
	if p.APIVersion != APIVersion || p.Kind != Kind { // yaml.v3 could not read it to check
		return nil, ValidationError{fmt.Sprintf("apiVersion: want %s and kind %s, got %q and %q", APIVersion, Kind, p.APIVersion, p.Kind)}
	}
	return &p, nil
}

func shown(v any) string {
	if v == nil {
		return "nothing"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
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
	if user.GVisorDriverVersions != nil {
		// A user's list is of the release the user runs: its name goes with it.
		out.GVisorDriverVersions = append([]string(nil), user.GVisorDriverVersions...)
		out.GVisorRelease = user.GVisorRelease
	} else if user.GVisorRelease != "" {
		out.GVisorRelease = user.GVisorRelease
	}
	if user.VFIOGPUResources != nil {
		out.VFIOGPUResources = append([]string(nil), user.VFIOGPUResources...)
	}
	out.VMColdPlugsDRA = base.VMColdPlugsDRA || user.VMColdPlugsDRA
	out.Classification = append(append([]ClassificationRule(nil), user.Classification...), base.Classification...)
	out.PodSecurity = mergePodSecurity(base.PodSecurity, user.PodSecurity)
	out.Rules = make(map[string]RuleOverride, len(base.Rules)+len(user.Rules))
	for k, v := range base.Rules {
		out.Rules[k] = v
	}
	for k, v := range user.Rules {
		out.Rules[k] = v
	}
	out.Exemptions = append(append([]Exemption(nil), base.Exemptions...), user.Exemptions...)
	return &out
}

// Marshal renders a policy as YAML.
func Marshal(p *Policy) ([]byte, error) { return yaml.Marshal(p) }
