package audit

import (
	"hash/maphash"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tiergate/tiergate/policy"
)

// index holds the inventory's lookups, built once per audit.
type index struct {
	pol            *policy.Compiled
	offline        bool
	netpolsHidden  bool
	sasHidden      bool
	runtimeClasses map[string]*nodev1.RuntimeClass
	rcComplete     bool
	// probes are kernel probe verdicts by pod UID.
	probes map[string]Probed
	// isoByClass, isoEvidence and rcInfo cache the isolation of each
	// RuntimeClass name, its explanation and its description.
	isoByClass      map[string]templateIso
	isoEvidence     map[string][]string
	rcInfo          map[string]*RuntimeClassInfo
	serviceAccounts map[string]*corev1.ServiceAccount // "namespace/name"
	netpols         map[string][]netpol               // by namespace
	nodes           []nodeFacts
	nodeByName      map[string]int
	// allNodesReportHandlers: every node lists status.runtimeHandlers, so
	// a handler that no node lists is really missing.
	allNodesReportHandlers bool
	pools                  map[string][]pool // by namespace
	// sandboxGrants names, by "namespace/serviceaccount", the RBAC that
	// lets it create agent sandboxes.
	sandboxGrants map[string]string
	// replicas remembers classifications by template revision.
	replicas map[replicaKey]classification
	// pssReplicas remembers Pod Security findings by template revision.
	pssReplicas map[replicaKey][]pssFinding
	// pssByContent remembers them by template content (pssContentKey),
	// hashed with seed.
	pssByContent map[pssContent][]pssFinding
	seed         maphash.Seed
	// nsPSS is each known namespace's Pod Security policy (pss_namespace.go).
	nsPSS map[string]namespacePSS
	// dra resolves pods' resource claims to GPUs (nil without DRA objects).
	dra *draIndex
	// warm finds warm pool sandboxes' pools and counts what templates
	// launched (warmpool_index.go).
	warm *warmIndex
}

// netpol is a NetworkPolicy prepared for matching.
type netpol struct {
	name   string
	sel    labels.Selector
	egress bool
	rules  []networkingv1.NetworkPolicyEgressRule
}

type pool struct {
	name string
	sel  labels.Selector
}

// nodeFacts is a node prepared for scheduling checks.
type nodeFacts struct {
	node     *corev1.Node
	handlers map[string]bool
	product  string
	// gpu is what decides whether a GPU reaches a sandbox (gpureach.go).
	gpu nodeGPUFacts
	// refs is the node's facts as results show them, built once and
	// shared (read-only) by every pod on the node.
	refs []NodeRef
}

func newIndex(inv *Inventory, pol *policy.Compiled) *index {
	ix := &index{
		nsPSS:           namespacePolicies(inv.Namespaces),
		dra:             newDRAIndex(inv.DRA),
		warm:            newWarmIndex(inv),
		pssReplicas:     map[replicaKey][]pssFinding{},
		pssByContent:    map[pssContent][]pssFinding{},
		seed:            maphash.MakeSeed(),
		pol:             pol,
		offline:         inv.Offline,
		netpolsHidden:   inv.NetworkPoliciesHidden,
		sasHidden:       inv.ServiceAccountsHidden,
		runtimeClasses:  make(map[string]*nodev1.RuntimeClass, len(inv.RuntimeClasses)),
		rcComplete:      inv.RuntimeClassesComplete,
		serviceAccounts: make(map[string]*corev1.ServiceAccount, len(inv.ServiceAccounts)),
		netpols:         map[string][]netpol{},
		nodeByName:      make(map[string]int, len(inv.Nodes)),
		pools:           map[string][]pool{},
		sandboxGrants:   sandboxGrants(inv.RBAC),
		isoEvidence:     map[string][]string{},
		isoByClass:      map[string]templateIso{},
		rcInfo:          map[string]*RuntimeClassInfo{},
		replicas:        map[replicaKey]classification{},
		probes:          inv.Probes,
	}
	for i := range inv.RuntimeClasses {
		rc := &inv.RuntimeClasses[i]
		ix.runtimeClasses[rc.Name] = rc
	}
	for i := range inv.ServiceAccounts {
		sa := &inv.ServiceAccounts[i]
		ix.serviceAccounts[sa.Namespace+"/"+sa.Name] = sa
	}
	for i := range inv.NetworkPolicies {
		np := &inv.NetworkPolicies[i]
		ix.netpols[np.Namespace] = append(ix.netpols[np.Namespace], compileNetpol(np.Name, &np.Spec))
	}
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		nf := nodeFacts{node: n, product: gpuProduct(n), refs: []NodeRef{nodeRef(n)}}
		nf.gpu = readNodeGPU(n, nf.product)
		ix.dra.gpuFacts(n.Name, &nf.gpu)
		if len(n.Status.RuntimeHandlers) > 0 {
			nf.handlers = make(map[string]bool, len(n.Status.RuntimeHandlers))
			for _, h := range n.Status.RuntimeHandlers {
				nf.handlers[h.Name] = true
			}
		}
		ix.nodeByName[n.Name] = len(ix.nodes)
		ix.nodes = append(ix.nodes, nf)
	}
	ix.allNodesReportHandlers = len(ix.nodes) > 0
	for i := range ix.nodes {
		if ix.nodes[i].handlers == nil {
			ix.allNodesReportHandlers = false
		}
	}
	for _, p := range inv.InferencePools {
		if len(p.Selector) == 0 {
			continue
		}
		ix.pools[p.Namespace] = append(ix.pools[p.Namespace], pool{name: p.Namespace + "/" + p.Name, sel: labels.SelectorFromSet(p.Selector)})
	}
	return ix
}

// compileNetpol applies the API's defaulting: policyTypes unset means
// Ingress, plus Egress when egress rules are present.
func compileNetpol(name string, spec *networkingv1.NetworkPolicySpec) netpol {
	np := netpol{name: name, rules: spec.Egress}
	sel, err := metav1.LabelSelectorAsSelector(&spec.PodSelector)
	if err != nil {
		sel = labels.Nothing()
	}
	np.sel = sel
	if len(spec.PolicyTypes) == 0 {
		np.egress = len(spec.Egress) > 0
	}
	for _, t := range spec.PolicyTypes {
		if t == networkingv1.PolicyTypeEgress {
			np.egress = true
		}
	}
	return np
}

// poolFor names an InferencePool whose selector matches one of the
// workload's pod templates.
func (ix *index) poolFor(w *Workload) string {
	ps := ix.pools[w.Namespace]
	if len(ps) == 0 {
		return ""
	}
	for i := range w.Templates {
		for _, p := range ps {
			if p.sel.Matches(labels.Set(w.Templates[i].Labels)) {
				return p.name
			}
		}
	}
	return ""
}

func nodeRef(n *corev1.Node) NodeRef {
	r := NodeRef{
		Name:                    n.Name,
		KernelVersion:           n.Status.NodeInfo.KernelVersion,
		ContainerRuntimeVersion: n.Status.NodeInfo.ContainerRuntimeVersion,
	}
	for _, h := range n.Status.RuntimeHandlers {
		name := h.Name
		if name == "" {
			name = "(default)"
		}
		r.RuntimeHandlers = append(r.RuntimeHandlers, name)
	}
	return r
}

// isolationEvidence explains a template's isolation; the slice is shared
// between results and clipped, so that appending to it copies.
func (ix *index) isolationEvidence(ti templateIso) []string {
	if ev, ok := ix.isoEvidence[ti.rcName]; ok {
		return ev
	}
	ev := slices.Clip(ti.evidence(ix.offline))
	ix.isoEvidence[ti.rcName] = ev
	return ev
}

// gpuProduct reads a node's GPU model: the GPU operator's label, else
// GKE's accelerator label ("nvidia-l4"), which GKE nodes carry without it.
func gpuProduct(n *corev1.Node) string {
	if p := n.Labels["nvidia.com/gpu.product"]; p != "" {
		return p
	}
	return n.Labels["cloud.google.com/gke-accelerator"]
}
