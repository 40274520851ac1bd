package audit

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"

	"github.com/tiergate/tiergate/kinds"
)

// Workload is one pod-bearing object: a Pod, a controller with a pod
// template, or a custom resource that renders pods (LeaderWorkerSet,
// Sandbox, InferenceService, ...).
type Workload struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	UID        string
	Labels     map[string]string
	// Owner is the controlling owner, when the object has one.
	Owner *Owner
	// Owners is the chain of controllers above the object, nearest first
	// (ReplicaSet, then Deployment), as far as it could be resolved.
	Owners []Owner
	// RunsFrom is, for a pod, the custom resource in the audit it runs
	// from (SelectWorkloads): the report lists the pod under it.
	RunsFrom *Owner
	// Templates are the pod templates the object carries; a custom
	// resource may have several (leader and worker, head and workers).
	Templates []PodTemplate
	// NodeName is the node a live pod is bound to.
	NodeName string
	// Phase is a pod's phase; a Succeeded or Failed pod holds no GPUs.
	Phase string
	// Status is what the cluster says of a live pod or controller (nil
	// for files).
	Status *Status
	// Extra holds facts of custom resources that are not in a pod template.
	Extra Extra
	// Source locates the object in an input file (offline mode only).
	Source *Source
}

// Owner names an object's controlling owner. APIVersion is the owner
// reference's: it tells apart kinds two groups name alike (agent-sandbox's
// and OpenKruise's Sandbox); "" where it is not known (an owner derived
// from names).
type Owner struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// groupOf is the group of an object's kind: its apiVersion's ("apps/v1"
// → "apps"; "v1" → the core group), or, without one (an owner derived
// from names, a workload built in a test), the registry's group of a
// kind name one group declares.
func groupOf(apiVersion, kind string) string {
	if apiVersion == "" {
		if k, ok := kinds.Lookup(kind); ok {
			return k.Group
		}
		return ""
	}
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

// PodTemplate is one pod template (or a pod's own spec).
type PodTemplate struct {
	// Role names the template inside a multi-template object
	// ("leaderTemplate", "workerGroupSpecs[0]"); empty for a single one.
	Role string
	// SpecPath is the dotted path of the PodSpec inside the object
	// ("spec.template.spec"); findings append their field paths to it.
	SpecPath string
	Labels   map[string]string
	// Annotations are the template's Pod Security annotations only
	// (PodSecurityAnnotations): the library reads AppArmor's.
	Annotations map[string]string
	Spec        *corev1.PodSpec
	// From names the object the template was taken from when the
	// workload only references it ("SandboxTemplate/python-runtime").
	From string
}

// Extra holds custom-resource facts that matter to classification and
// policy but are not part of a pod template.
type Extra struct {
	// ModelFormats are KServe predictor model formats ("huggingface").
	ModelFormats []string
	// StorageURIs are model locations ("hf://meta-llama/Llama-2-7b").
	StorageURIs []string
	// ServeConfig is a Ray Serve config (RayService serveConfigV2).
	ServeConfig string
	// TemplateRef names a pod template the object points at but that was
	// not in the input ("SandboxWarmPool/sandboxwarmpool-example").
	TemplateRef string
	// NetworkPolicy is a policy the object's controller creates for its
	// pods (agent-sandbox SandboxTemplate spec.networkPolicy).
	NetworkPolicy *networkingv1.NetworkPolicySpec
	// UpdateStrategy is a SandboxWarmPool's spec.updateStrategy.type
	// ("" when unset: OnReplenish).
	UpdateStrategy string
}

// Source locates an object in an input file.
type Source struct {
	File string
	// Line is the 1-based line where the object's document starts.
	Line int
	// Lines maps dotted field paths to the line they start on.
	Lines map[string]int
}

// LineOf returns the line of the longest known prefix of a field path.
func (s *Source) LineOf(path string) int {
	if s == nil {
		return 0
	}
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := s.Lines[p]; ok {
			return l
		}
	}
	return s.Line
}

// parentPath drops the last element of a dotted path with [i] indexes.
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.':
			return p[:i]
		case '[':
			return p[:i]
		}
	}
	return ""
}

// Namespace is a namespace's name and labels (the Pod Security labels
// pod-security.kubernetes.io/enforce|audit|warn among them).
type Namespace struct {
	Name   string
	Labels map[string]string
}

// InferencePool is a Gateway API Inference Extension pool: the pods its
// selector matches are model servers.
type InferencePool struct {
	Namespace string
	Name      string
	Selector  map[string]string
}

// Inventory is everything an audit looks at.
type Inventory struct {
	Workloads       []Workload
	RuntimeClasses  []nodev1.RuntimeClass
	Nodes           []corev1.Node
	NetworkPolicies []networkingv1.NetworkPolicy
	ServiceAccounts []corev1.ServiceAccount
	InferencePools  []InferencePool
	// Services are the input's Services (files; live, the fix reads those
	// it needs): egress fixes allow the pods behind the ones a workload's
	// configuration names.
	Services []corev1.Service
	// RBAC is the roles and bindings read (nil when none were): pods
	// whose ServiceAccount may create agent sandboxes are orchestrators.
	RBAC *RBAC
	// Namespaces are the namespaces whose labels were read: those in the
	// input (files) or all of them (live). A namespace missing here is
	// one whose Pod Security labels are unknown, not one without them.
	Namespaces []Namespace
	// NamespacesHidden says the user may not list namespaces (the gap is
	// also in Gaps): Namespaces is then empty, and the namespace enforce
	// check finds no level to judge by rather than guessing one.
	NamespacesHidden bool
	// RuntimeClassesComplete says the RuntimeClass list is the whole
	// cluster's, so a name missing from it really does not exist.
	RuntimeClassesComplete bool
	// Offline says the objects come from files, not a live cluster; it
	// changes only the wording of findings ("in the input").
	Offline bool
	// NetworkPoliciesHidden says the user may not read NetworkPolicies:
	// the egress checks are skipped rather than guessed.
	NetworkPoliciesHidden bool
	// ServiceAccountsHidden says the user may not read ServiceAccounts:
	// the token check then judges only what the pod itself sets.
	ServiceAccountsHidden bool
	// Gaps name what could not be read and what the audit lost by it
	// ("nodes: forbidden (cluster-scoped) — kernel facts unavailable").
	Gaps []string
	// FilteredOut counts workloads left out by -n and -l, so that an
	// empty report can say that nothing matched rather than nothing exists.
	FilteredOut int
	// DRA holds the Dynamic Resource Allocation objects read (nil when
	// none were): pods' GPUs through claims, nodes' published devices.
	DRA *DRA
	// Probes are kernel probes of live pods, by pod UID (tiergate probe,
	// the view's p key): what the pod's kernel really is.
	Probes map[string]Probed
	// WarmPools are the SandboxWarmPools read (WarmPoolsOf), kept even
	// when their pods stand for them among the workloads: a pod made from
	// an older template than its pool's is told by them.
	WarmPools []WarmPool
}

// podSecurityAnnotationPrefixes are the annotations Pod Security reads:
// AppArmor profiles per container, and the seccomp annotations of
// versions before 1.19.
var podSecurityAnnotationPrefixes = []string{"container.apparmor.security.beta.kubernetes.io/", "seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/"}

// PodSecurityAnnotations keeps of a pod's annotations those Pod Security
// reads (nil when none): the rest is not needed and may be large.
func PodSecurityAnnotations(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		for _, p := range podSecurityAnnotationPrefixes {
			if strings.HasPrefix(k, p) {
				if out == nil {
					out = map[string]string{}
				}
				out[k] = v
				break
			}
		}
	}
	return out
}
