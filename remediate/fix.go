package remediate

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Kind says what a fix changes.
type Kind string

const (
	// KindRuntime sets the pod template's runtimeClassName.
	KindRuntime Kind = "runtime-class"
	// KindNewRuntimeClass creates a RuntimeClass that the tier needs and
	// the cluster (or the input) does not have.
	KindNewRuntimeClass Kind = "new-runtime-class"
	// KindSecurityContext hardens pod and container securityContexts.
	KindSecurityContext Kind = "security-context"
	// KindToken stops mounting the service account token.
	KindToken Kind = "service-account-token"
	// KindNetworkPolicy creates an egress NetworkPolicy for the workload.
	KindNetworkPolicy Kind = "network-policy"
)

// Target names the object a fix changes or creates.
type Target struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String is "Kind/name" or "Kind/namespace/name", as in findings.
func (t Target) String() string {
	if t.Namespace == "" {
		return t.Kind + "/" + t.Name
	}
	return t.Kind + "/" + t.Namespace + "/" + t.Name
}

// Resolved names a finding a fix resolves.
type Resolved struct {
	Rule      string `json:"rule"`
	Container string `json:"container,omitempty"`
	Path      string `json:"path,omitempty"`
}

// Fix is one change that resolves findings: a patch of an existing object
// or an object to create.
type Fix struct {
	Kind   Kind   `json:"kind"`
	Target Target `json:"target"`
	// Workload is the audited workload the fix is for ("Pod/ns/x" whose
	// owner the target is); equal to the target for owner-less objects.
	Workload string     `json:"workload"`
	Resolves []Resolved `json:"resolves"`
	// Plan says what the fix does in one sentence.
	Plan string `json:"plan"`
	// Patch is what kubectl patch sends, of PatchType: a strategic merge
	// patch of a built-in object, holding only the fields the fix sets (so
	// also the body of a server-side apply once apiVersion, kind and
	// metadata are added: ApplyBody); a JSON patch of a custom resource,
	// with a test of the name of each container it indexes.
	Patch     json.RawMessage `json:"patch,omitempty"`
	PatchType types.PatchType `json:"patchType,omitempty"`
	// SpecPath is where the pod spec sits in the target
	// ("spec.template.spec").
	SpecPath string `json:"specPath,omitempty"`
	// Object is a whole object to create (a NetworkPolicy, a RuntimeClass).
	Object runtime.Object `json:"-"`
	// Manifest is Object as YAML, with comments where the user must fill
	// something in (a NetworkPolicy's allow-list).
	Manifest []byte `json:"manifest,omitempty"`
	// Recreate says the target cannot be patched in place (a pod without
	// an owner, or a Job: their pod specs are immutable) and must be
	// deleted and created again from its changed manifest.
	Recreate bool `json:"recreate,omitempty"`
	// RuntimeClass is the class a runtime-class fix sets, or the one a
	// new-runtime-class fix creates.
	RuntimeClass string `json:"runtimeClass,omitempty"`
	// Warnings are what the user must know before applying: a pod that
	// would stay Pending, a handler that must be installed on nodes.
	Warnings []string `json:"warnings,omitempty"`
	// Pending says the pre-check found no node that could run the fixed
	// pod: the fix is offered with that warning, never silently.
	Pending bool `json:"pending,omitempty"`
	// CutsOff are the addresses the pods' configuration points at that a
	// new egress policy does not allow yet (a Service not seen, a public
	// API, a value from a Secret): applied as it is, the policy would cut
	// the pods off from them.
	CutsOff []string `json:"cutsOff,omitempty"`
}

// Manual is a finding no fix is computed for, with the reason.
type Manual struct {
	Workload string `json:"workload"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
	Reason   string `json:"reason"`
}

// Change is every patch of one target merged into one: what a
// server-side apply sends, and what -o manifests writes into a file.
type Change struct {
	Target Target `json:"target"`
	// Patch sets only the changed fields, nested at the pod specs' paths
	// (a strategic merge patch for built-in objects; for custom resources
	// it is what -o manifests merges, lists by their name keys).
	Patch json.RawMessage `json:"patch"`
	// PatchType is how the change is sent: strategic, or JSON patch
	// (JSONPatch) for custom resources.
	PatchType types.PatchType `json:"patchType"`
	JSONPatch json.RawMessage `json:"jsonPatch,omitempty"`
	Recreate  bool            `json:"recreate,omitempty"`
}

// Result is every fix for a report, the per-target changes they add up
// to, and the findings left to a human.
type Result struct {
	Fixes   []Fix    `json:"fixes"`
	Changes []Change `json:"changes,omitempty"`
	Manual  []Manual `json:"manual,omitempty"`
}
