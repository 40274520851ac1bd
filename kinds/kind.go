package kinds

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Kind is everything tiergate knows of one kind.
type Kind struct {
	// Group, Version and Kind name it. Version is "" for a custom
	// resource tiergate reads from files only, in whatever version they
	// hold: no version is pinned until tiergate reads it from a cluster.
	// For a custom resource it is the version its released CRD stores.
	Group, Version, Kind string
	// Versions are the versions of a custom resource tiergate reads, as
	// its released CRD (internal/crds) serves them, Version first: the
	// live audit watches the first one discovery says the cluster serves
	// (an older operator may serve only an older one). nil for a
	// built-in.
	Versions []string
	// Resource is its plural, the API path's resource name.
	Resource   string
	Namespaced bool
	// Short is how the view names it ("sts" in "ns/sts/name"): kubectl's
	// short name, or its singular where it has none. "" shows the kind
	// in lower case.
	Short string

	// Templates are where its pod specs sit, in the order the object
	// holds them; nil for a kind that holds none.
	Templates []Template
	// Templateless: a custom resource that runs pods without carrying a
	// pod template (its operator renders one from a few fields): it is a
	// workload even when no pod spec is found in it.
	Templateless bool
	// RefField: other objects point at one of it by spec.<RefField>.name
	// and run the pods it describes (a SandboxClaim's sandboxTemplateRef
	// names a SandboxTemplate): they are audited with its pod template.
	RefField string
	// TemplateOnly: others launch pods from it (a SandboxTemplate, by
	// its claims and warm pools); it runs none itself, so the live view
	// calls it a template rather than a resource with no pods.
	TemplateOnly bool

	// Patch is how a fix changes it.
	Patch PatchStyle
	// Recreate: its pods' spec cannot change in place (a Pod, a Job's
	// template): a fix is a new object made from its changed manifest.
	Recreate bool

	// Creates is the kind its controller creates from its template
	// (Deployment → ReplicaSet, CronJob → Job, LeaderWorkerSet →
	// StatefulSet; Pod for the controllers of pods).
	Creates string
	// Reverts: its controller undoes a change to the objects it creates
	// (or replaces them), so a fix goes to it, never to them.
	Reverts bool
	// ChildHashLabel: its controller names what it creates
	// "<name>-<hash>" and puts the hash on their pods under this label (a
	// Deployment's ReplicaSets and pod-template-hash), so a pod's owner
	// chain is completed from names when the child's owner is unknown.
	ChildHashLabel string

	// RunsToCompletion: its pods finish (a Job): not a serving workload.
	RunsToCompletion bool
	// PerNode: one pod on every node that may run it (a DaemonSet): it
	// fits where its template fits, one pod per node.
	PerNode bool
	// Peers: its pods reach one another on ports no configuration names
	// (replication, membership, sharding): an egress policy for it must
	// let them.
	Peers bool

	// NameLabel is the label its controller puts, valued with its name,
	// on every pod it runs: NetworkPolicies select its pods by it (when
	// its templates' own labels differ), and a pod names it by it.
	NameLabel string
	// Labels are other labels its controller stamps on the pods of the
	// template at specPath; nil when none.
	Labels func(specPath string) map[string]string
	// PeerLabels select all its pods where no label names the object
	// (Peers without a NameLabel): what its egress policy lets its pods
	// reach among themselves.
	PeerLabels map[string]string

	// RBAC is what tiergate's roles grant on it (deploy/rbac).
	RBAC RBAC
	// Watch says the live audit lists and watches it; nil when it does not.
	Watch *Watch

	// Typed are the hooks of a kind that has a Go type (the built-ins).
	Typed *Typed

	// apiVersion is APIVersion, computed once: workloads are built with
	// it by the thousand.
	apiVersion string
}

// Template is where one pod spec sits in an object.
type Template struct {
	// Path is the PodSpec's dotted path ("spec.template.spec"); "[*]"
	// stands for any index of a list of templates.
	Path string
	// Role names the template among several ("leaderTemplate"); "" for a
	// kind with one.
	Role string
}

// PatchStyle is how a fix changes an object of a kind.
type PatchStyle string

const (
	// NoPatch: tiergate does not patch it (yet); its findings are left to
	// a human.
	NoPatch PatchStyle = ""
	// StrategicMerge: a strategic merge patch (kubectl patch) and, with
	// --apply, a server-side apply: built-in kinds.
	StrategicMerge PatchStyle = "strategic"
	// JSONPatch: a JSON patch, with a test of every list element it
	// indexes: custom resources, whose API server takes no strategic
	// merge patch.
	JSONPatch PatchStyle = "json"
)

// RBAC are the verbs tiergate's roles must grant on a kind's resource.
type RBAC struct {
	// Read is for tiergate-readonly: list and watch for the live audit,
	// get where fix reads an object's pod template.
	Read []string
	// Apply is for tiergate-apply: server-side apply is a patch, and an
	// object it creates also needs create.
	Apply []string
}

// Watch is how the live audit watches a kind.
type Watch struct {
	// Loss is what the audit loses when it may not list and watch it.
	Loss string
	// Required: without it there is nothing to audit (pods).
	Required bool
	// IfServed: a custom resource, watched only when discovery says the
	// cluster serves it.
	IfServed bool
}

// Typed are the hooks of a kind with a Go type, where speed or a library
// needs the type itself.
type Typed struct {
	// New returns a new, empty object of the Go type: what an
	// unstructured object converts into, and the struct whose patch
	// strategy a strategic merge follows.
	New func() runtime.Object
	// PodTemplate returns the pod template inside an object of the type;
	// nil for a kind without one (a Pod is its own spec).
	PodTemplate func(runtime.Object) *corev1.PodTemplateSpec
	// Owned returns the apply configuration of the fields manager owns
	// in an object of the type (client-go's Extract functions); nil for a
	// kind tiergate never applies.
	Owned func(obj runtime.Object, manager string) (any, error)
}

// GVK is the kind's group, version and kind.
func (k *Kind) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}
}

// GVR is the kind's group, version and resource.
func (k *Kind) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: k.Group, Version: k.Version, Resource: k.Resource}
}

// GVRs are the group, version and resource of each version it is read
// in, Version first.
func (k *Kind) GVRs() []schema.GroupVersionResource {
	if len(k.Versions) == 0 {
		return []schema.GroupVersionResource{k.GVR()}
	}
	out := make([]schema.GroupVersionResource, len(k.Versions))
	for i, v := range k.Versions {
		out[i] = schema.GroupVersionResource{Group: k.Group, Version: v, Resource: k.Resource}
	}
	return out
}

// APIVersion is "group/version" ("v1" for the core group), "" when no
// version is pinned.
func (k *Kind) APIVersion() string { return k.apiVersion }

// TypeMeta is the apiVersion and kind of an object of the kind.
func (k *Kind) TypeMeta() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: k.APIVersion(), Kind: k.Kind}
}

// Workload says its objects run pods: they carry pod templates or an
// operator renders one.
func (k *Kind) Workload() bool { return len(k.Templates) > 0 || k.Templateless }

// Custom says the kind is a custom resource (its versions come from its
// released CRD), not a built-in.
func (k *Kind) Custom() bool { return k.Versions != nil }

// ShortName is how the view names the kind.
func (k *Kind) ShortName() string {
	if k.Short != "" {
		return k.Short
	}
	return strings.ToLower(k.Kind)
}

// PodLabels are the labels the kind's controller stamps on the pods of
// the template at specPath of the object named name; nil when none.
func (k *Kind) PodLabels(name, specPath string) map[string]string {
	var out map[string]string
	if k.NameLabel != "" {
		out = map[string]string{k.NameLabel: name}
	}
	if k.Labels != nil {
		for l, v := range k.Labels(specPath) {
			if out == nil {
				out = map[string]string{}
			}
			out[l] = v
		}
	}
	return out
}

// Fixture is the name of the kind's fixture under kinds/testdata:
// "<Kind>.yaml", or "<Kind>.<group>.yaml" for a name two groups declare.
func (k *Kind) Fixture() string {
	if Ambiguous(k.Kind) {
		return k.Kind + "." + k.Group + ".yaml"
	}
	return k.Kind + ".yaml"
}
