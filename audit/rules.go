package audit

import (
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/policy"
)

// Category groups rules (JSON field "category").
type Category string

const (
	CatIsolation   Category = "isolation"
	CatNetwork     Category = "network"
	CatIdentity    Category = "identity"
	CatPodSecurity Category = "pod-security"
	CatGPU         Category = "gpu"
	CatScheduling  Category = "scheduling"
)

// Rule is one check, as one value: what it is called and why it matters,
// the function that checks it and how a finding of it is fixed. Each
// category's rules are listed beside their checks (check_<category>.go);
// adding a rule means adding its value there and its fixtures under
// testdata/rules/<ID>. IDs are stable: policies, exemptions, SARIF and CI
// pipelines refer to them. docs/rules.md and SARIF's rule metadata are
// generated from these values.
type Rule struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Category Category        `json:"category"`
	Severity policy.Severity `json:"severity"`
	// SeverityNote says how the severity varies, when it does.
	SeverityNote string `json:"severityNote,omitempty"`
	Title        string `json:"title"`
	Rationale    string `json:"rationale"`
	// Fix is the advice for people; Remedy is what tiergate fix does.
	Fix    string `json:"fix"`
	Remedy Remedy `json:"remedy"`
	// AnyPod runs the check on every pod, LLM workload or not.
	AnyPod bool `json:"anyPod,omitempty"`
	check  func(*subject)
}

// RemedyKind is how tiergate fix resolves a rule's findings.
type RemedyKind string

const (
	// RemedyRuntimeClass sets a RuntimeClass that meets the tier.
	RemedyRuntimeClass RemedyKind = "runtime-class"
	// RemedyEgressPolicy adds an egress allow-list NetworkPolicy.
	RemedyEgressPolicy RemedyKind = "egress-policy"
	// RemedyServiceAccount stops the token automount.
	RemedyServiceAccount RemedyKind = "service-account"
	// RemedySecurityContext changes the pod's or container's
	// securityContext by the rule's Harden.
	RemedySecurityContext RemedyKind = "security-context"
	// RemedyManual leaves the finding to a person, for Manual's reason.
	RemedyManual RemedyKind = "manual"
)

// Remedy is how a rule's findings are fixed.
type Remedy struct {
	Kind RemedyKind `json:"kind"`
	// Sets names what a security-context fix sets, for its plan.
	Sets string `json:"sets,omitempty"`
	// Manual is why no fix is computed.
	Manual string `json:"manual,omitempty"`
	// Harden applies a security-context fix to a copy of the pod spec the
	// caller owns: c is the finding's container in spec, nil for the
	// pod's own setting. It returns why it left the finding (and changed
	// nothing) and what the person must check.
	Harden func(spec *corev1.PodSpec, c *corev1.Container) (left, warning string) `json:"-"`
}

// Reasons shared by manual remedies.
const (
	egressAddsUp      = "an existing NetworkPolicy allows it and NetworkPolicies add up: narrow that policy's rule by hand"
	dependsOnUse      = "removing it depends on what the workload does with it: change it by hand"
	schedulingAtFault = "a scheduling problem of the nodes or the RuntimeClass, not of the workload"
)

// Rules returns the catalog of checks in a stable order: by category,
// then by ID.
func Rules() []Rule {
	return slices.Concat(isolationRules(), probeRules(), warmPoolRules(), networkRules(), identityRules(), podSecurityRules(), gpuRules(), schedulingRules())
}

// RuleByID returns one rule of the catalog.
func RuleByID(id string) (Rule, bool) {
	r, ok := catalog()[id]
	return r, ok
}

// catalog is the rules keyed by ID, built once: the values never change.
var catalog = sync.OnceValue(ruleIndex)

// ruleIndex returns the catalog keyed by ID.
func ruleIndex() map[string]Rule {
	m := map[string]Rule{}
	for _, r := range Rules() {
		m[r.ID] = r
	}
	return m
}

// RulesOf returns the IDs of the catalog's rules fixed the given way.
func RulesOf(k RemedyKind) []string { return ruleIDs(func(r Rule) bool { return r.Remedy.Kind == k }) }

// RulesIn returns the IDs of the catalog's rules of a category.
func RulesIn(c Category) []string { return ruleIDs(func(r Rule) bool { return r.Category == c }) }

// ruleIDs returns the IDs of the catalog's rules that keep accepts.
func ruleIDs(keep func(Rule) bool) []string {
	var out []string
	for _, r := range Rules() {
		if keep(r) {
			out = append(out, r.ID)
		}
	}
	return out
}

// Does says in words what tiergate fix does with a finding of the rule.
func (r Remedy) Does() string {
	switch r.Kind {
	case RemedyRuntimeClass:
		return "sets a RuntimeClass whose handler meets the tier (creating it when the cluster has none), checked against the nodes first"
	case RemedyEgressPolicy:
		return "adds an egress NetworkPolicy allowing DNS and the destinations the workload's configuration names; held back when something must be filled in"
	case RemedyServiceAccount:
		return "sets automountServiceAccountToken: false on the ServiceAccount or the pod template"
	case RemedySecurityContext:
		return "sets " + r.Sets + " in the securityContext"
	}
	return "leaves it to you: " + r.Manual
}
