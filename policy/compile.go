package policy

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// Compiled is a validated policy with its patterns prepared for matching.
type Compiled struct {
	*Policy
	classifiers []compiledClassifier
	exemptions  []compiledExemption
	// gvisorDrivers is GVisorDriverVersions parsed and sorted.
	gvisorDrivers []DriverVersion
}

type compiledClassifier struct {
	rule     ClassificationRule
	image    *regexp.Regexp
	selector labels.Selector
}

type compiledExemption struct {
	Exemption
	expires time.Time // zero: never
}

// isolations are the isolation classes a tier or a handler may name.
const isolations = "shared-kernel, gvisor, vm, microvm"

// ValidationError lists every problem found in a policy, each as
// "PATH: message" (Locate finds the path's line).
type ValidationError []string

func (v ValidationError) Error() string {
	return "invalid policy: " + strings.Join(v, "; ")
}

// Compile validates p and prepares it for matching. The returned error is
// a ValidationError naming every bad field.
func Compile(p *Policy) (*Compiled, error) {
	var errs ValidationError
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	for _, t := range slices.Sorted(maps.Keys(p.Tiers)) {
		tier := p.Tiers[t]
		if !t.IsLLM() {
			bad("tiers.%s: not one of inference, retrieval, agent, code-exec", t)
			continue
		}
		if tier.Minimum.Rank() < 0 {
			bad("tiers.%s.minimum: %q is not one of %s", t, tier.Minimum, isolations)
		}
		switch {
		case tier.Recommended == "":
		case tier.Recommended.Rank() < 0:
			bad("tiers.%s.recommended: %q is not one of %s", t, tier.Recommended, isolations)
		case tier.Recommended.Rank() < tier.Minimum.Rank():
			bad("tiers.%s.recommended: %s is weaker than the minimum %s", t, tier.Recommended, tier.Minimum)
		}
	}
	for _, t := range []WorkloadType{Inference, Retrieval, Agent, CodeExec} {
		if _, ok := p.Tiers[t]; !ok {
			bad("tiers.%s: missing", t)
		}
	}
	for i, h := range p.Handlers {
		if _, err := path.Match(h.Match, ""); err != nil {
			bad("handlers[%d].match: bad glob %q", i, h.Match)
		}
		if !h.Isolation.Valid() {
			bad("handlers[%d].isolation: %q is not one of %s, unknown", i, h.Isolation, isolations)
		}
		if !h.GPU.Valid() {
			bad("handlers[%d].gpu: %q is not one of all, nvidia, nvproxy, none", i, h.GPU)
		}
	}
	c := &Compiled{Policy: p}
	c.gvisorDrivers = compileGPUReach(p, bad)
	for i, r := range p.Classification {
		cc := compiledClassifier{rule: r}
		if r.Name == "" {
			bad("classification[%d].name: required", i)
		}
		if !r.Type.Valid() {
			bad("classification[%d].type: %q is not one of inference, retrieval, agent, code-exec, none", i, r.Type)
		}
		if r.Image == "" && r.Selector == "" {
			bad("classification[%d]: set image, selector or both", i)
		}
		if r.Image != "" {
			re, err := regexp.Compile(r.Image)
			if err != nil {
				bad("classification[%d].image: bad regular expression: %v", i, err)
			}
			cc.image = re
		}
		if r.Selector != "" {
			sel, err := labels.Parse(r.Selector)
			if err != nil {
				bad("classification[%d].selector: bad label selector: %v", i, err)
			}
			cc.selector = sel
		}
		c.classifiers = append(c.classifiers, cc)
	}
	validatePodSecurity(p.PodSecurity, bad)
	for _, id := range slices.Sorted(maps.Keys(p.Rules)) {
		if o := p.Rules[id]; o.Severity != "" && !o.Severity.Valid() {
			bad("rules.%s.severity: %q is not one of low, medium, high, critical", id, o.Severity)
		}
	}
	for i, e := range p.Exemptions {
		ce := compiledExemption{Exemption: e}
		if e.Rule == "" {
			bad("exemptions[%d].rule: required", i)
		}
		// An exemption says which workloads it accepts: "*" must be
		// written out, so that a forgotten name never exempts a cluster.
		if e.Namespace == "" {
			bad(`exemptions[%d].namespace: required (a name, a glob, or "*")`, i)
		}
		if e.Name == "" {
			bad(`exemptions[%d].name: required (a workload or owner name, a glob, or "*")`, i)
		}
		if strings.TrimSpace(e.Reason) == "" {
			bad("exemptions[%d].reason: required (say why the finding is accepted)", i)
		}
		for _, f := range []struct{ field, glob string }{{"namespace", e.Namespace}, {"name", e.Name}, {"rule", e.Rule}} {
			if _, err := path.Match(f.glob, ""); err != nil {
				bad("exemptions[%d].%s: bad glob %q", i, f.field, f.glob)
			}
		}
		if e.Expires != "" {
			t, err := time.Parse(time.DateOnly, e.Expires)
			if err != nil {
				bad("exemptions[%d].expires: %q is not a YYYY-MM-DD date", i, e.Expires)
			}
			ce.expires = t
		}
		c.exemptions = append(c.exemptions, ce)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// Handler returns the first handler mapping that matches name.
func (c *Compiled) Handler(name string) (HandlerRule, bool) {
	for _, h := range c.Handlers {
		if h.Match == name {
			return h, true
		}
		if IsGlob(h.Match) {
			if ok, _ := path.Match(h.Match, name); ok {
				return h, true
			}
		}
	}
	return HandlerRule{}, false
}

// Tier returns the tier row for t; ok is false for none and unknown types.
func (c *Compiled) Tier(t WorkloadType) (Tier, bool) {
	tier, ok := c.Tiers[t]
	return tier, ok
}

// HasClassifiers reports whether the policy has user classification rules.
func (c *Compiled) HasClassifiers() bool { return len(c.classifiers) > 0 }

// Classify returns the first user classification rule that matches any of
// the images and the labels, with a sentence saying why.
func (c *Compiled) Classify(images []string, lbls map[string]string) (ClassificationRule, string, bool) {
	for _, cc := range c.classifiers {
		why := "policy rule " + cc.rule.Name
		if cc.selector != nil {
			if !cc.selector.Matches(labels.Set(lbls)) {
				continue
			}
			why += ": labels match " + cc.rule.Selector
		}
		if cc.image != nil {
			matched := ""
			for _, img := range images {
				if cc.image.MatchString(img) {
					matched = img
					break
				}
			}
			if matched == "" {
				continue
			}
			why += ": image " + matched + " matches " + cc.rule.Image
		}
		return cc.rule, why, true
	}
	return ClassificationRule{}, "", false
}

// Exempt finds the exemption for rule on a workload in namespace whose
// name (or owner name) is one of names. An expired exemption is returned
// with expired set, so that the caller can say it no longer applies.
// An active exemption wins over an expired one for the same finding.
func (c *Compiled) Exempt(namespace string, names []string, rule string, now time.Time) (e Exemption, expired, ok bool) {
	for _, ce := range c.exemptions {
		if !globMatch(ce.Rule, rule) || !globMatch(ce.Namespace, namespace) || !anyMatch(ce.Name, names) {
			continue
		}
		if ce.expires.IsZero() || now.Before(ce.expires) {
			return ce.Exemption, false, true
		}
		if !ok {
			e, expired, ok = ce.Exemption, true, true
		}
	}
	return e, expired, ok
}

func anyMatch(pattern string, names []string) bool {
	for _, n := range names {
		if n != "" && globMatch(pattern, n) {
			return true
		}
	}
	return false
}

// RuleOverride returns the user's override for a rule ID.
func (c *Compiled) RuleOverride(id string) RuleOverride { return c.Rules[id] }

// GVisorSupportsProduct reports whether nvproxy supports a GPU product, by
// comparing the words of the node label value ("NVIDIA-H100-80GB-HBM3")
// with the listed models, so that L4 does not match L40S.
func (c *Compiled) GVisorSupportsProduct(product string) bool {
	words := strings.FieldsFunc(strings.ToUpper(product), func(r rune) bool { return r == '-' || r == ' ' || r == '_' })
	for _, s := range c.GVisorGPUProducts {
		for _, w := range words {
			if w == strings.ToUpper(s) {
				return true
			}
		}
	}
	return false
}

// IsGlob reports whether a pattern has glob metacharacters, so that a
// plain name can be checked against the known names instead.
func IsGlob(pattern string) bool { return strings.ContainsAny(pattern, "*?[") }

// globMatch matches a glob; "*" matches everything.
func globMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}
