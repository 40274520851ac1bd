package audit

import (
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/policy"
)

// Report is the outcome of one audit.
type Report struct {
	Workloads []Result     `json:"workloads"`
	Nodes     []NodeReport `json:"nodes,omitempty"`
	Summary   Summary      `json:"summary"`
	// Baseline is the comparison with a previous report, when one was
	// given (audit --baseline).
	Baseline *BaselineDiff `json:"baseline,omitempty"`
	// Clusters are the kubeconfig contexts a fleet audit read (audit
	// --contexts, --all-contexts), each with its own counts or why it
	// could not be read; nil for one cluster.
	Clusters []ClusterReport `json:"clusters,omitempty"`
	// NotVisible lists what the user could not read, one line each.
	NotVisible []string `json:"notVisible,omitempty"`
}

// ClusterReport is one cluster of a fleet audit.
type ClusterReport struct {
	// Context is the kubeconfig context; each workload's Cluster names it.
	Context string `json:"context"`
	Server  string `json:"server,omitempty"`
	// Error says why the cluster could not be audited (unreachable,
	// forbidden, timed out); its workloads are then missing.
	Error      string   `json:"error,omitempty"`
	Summary    *Summary `json:"summary,omitempty"`
	NotVisible []string `json:"notVisible,omitempty"`
}

// BaselineDiff counts the findings new since a baseline and those it
// already had, and lists those that are gone.
type BaselineDiff struct {
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	// NewBySeverity counts the new findings by severity.
	NewBySeverity map[policy.Severity]int `json:"newBySeverity"`
	// NewFindings are the new ones, each once, as the counts count them.
	NewFindings []ResolvedFinding `json:"newFindings"`
	Resolved    []ResolvedFinding `json:"resolved"`
}

// ResolvedFinding is a baseline's finding the audit no longer has, named
// by what identifies it across runs.
type ResolvedFinding struct {
	Cluster   string          `json:"cluster,omitempty"`
	Namespace string          `json:"namespace"`
	Owner     Owner           `json:"owner"`
	Container string          `json:"container,omitempty"`
	Rule      string          `json:"rule"`
	Severity  policy.Severity `json:"severity"`
	Message   string          `json:"message"`
}

// Verdict sums up a workload in one word.
type Verdict string

const (
	VerdictOK        Verdict = "ok"
	VerdictFindings  Verdict = "findings"
	VerdictBelowTier Verdict = "below-tier"
	VerdictCritical  Verdict = "critical"
)

// Result is the audit of one workload.
type Result struct {
	// Cluster is the kubeconfig context of a fleet audit's workload; ""
	// for one cluster.
	Cluster    string `json:"cluster,omitempty"`
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion,omitempty"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	UID        string `json:"uid,omitempty"`
	Owner      *Owner `json:"owner"`
	// RootOwner is the top of the owner chain (the Deployment of a pod's
	// ReplicaSet), when it differs from Owner.
	RootOwner *Owner `json:"rootOwner,omitempty"`
	// RunsFrom is, for a pod, the custom resource it runs from when that
	// resource is a row of the report too (a LeaderWorkerSet, a Sandbox,
	// an InferenceService): the pod is listed under it.
	RunsFrom *Owner `json:"runsFrom,omitempty"`
	// Status is what the cluster says of a live pod (Running, Pending and
	// why, CrashLoopBackOff, ...) or controller without pods; nil for files.
	Status *Status `json:"status,omitempty"`
	// Launched counts the sandboxes running from a template (a
	// SandboxTemplate, through its warm pools and claims); nil for
	// other kinds.
	Launched   *Launched           `json:"launched,omitempty"`
	Type       policy.WorkloadType `json:"type"`
	Confidence float64             `json:"confidence"`
	// Uncertain says that only words in names speak for the type: the
	// confidence is then at most 0.5 and the type shown with a "?".
	Uncertain bool `json:"uncertain,omitempty"`
	// Evidence says why the workload got its type, strongest tier first.
	Evidence             []Evidence       `json:"evidence"`
	RuntimeClassName     string           `json:"runtimeClassName"`
	Handler              string           `json:"handler"`
	Isolation            policy.Isolation `json:"isolation"`
	RequiredIsolation    policy.Isolation `json:"requiredIsolation"`
	RecommendedIsolation policy.Isolation `json:"recommendedIsolation,omitempty"`
	// IsolationEvidence explains the chain RuntimeClass → handler → class.
	IsolationEvidence []string          `json:"isolationEvidence"`
	RuntimeClass      *RuntimeClassInfo `json:"runtimeClass,omitempty"`
	GPUs              []GPU             `json:"gpus"`
	ResourceClaims    []string          `json:"resourceClaims,omitempty"`
	Containers        []ContainerInfo   `json:"containers"`
	// Probed is what a kernel probe of the pod found, when one was run.
	Probed *Probed `json:"probed,omitempty"`
	// Nodes are the node the pod runs on (live) or the nodes it could be
	// scheduled to (offline), with their kernel and runtime facts.
	Nodes []NodeRef `json:"nodes,omitempty"`
	// NamespacePodSecurity is what the namespace's Pod Security labels
	// enforce, audit and warn, when it has any (and they could be read).
	NamespacePodSecurity *NamespacePodSecurity `json:"namespacePodSecurity,omitempty"`
	Findings             []Finding             `json:"findings"`
	Exempted             []ExemptedFinding     `json:"exempted,omitempty"`
	Verdict              Verdict               `json:"verdict"`
	Source               *Location             `json:"source,omitempty"`
}

// NamespacePodSecurity is a namespace's Pod Security Admission policy as
// level:version ("restricted:latest").
type NamespacePodSecurity struct {
	Enforce string `json:"enforce"`
	Audit   string `json:"audit"`
	Warn    string `json:"warn"`
}

// Probed is a kernel probe's verdict on one pod.
type Probed struct {
	fingerprint.Verdict
	// Via says how the facts were read: "exec" (cat in a container),
	// "ephemeral" (tiergate in an ephemeral container).
	Via string `json:"via"`
	// Container is the container the facts were read in.
	Container string `json:"container,omitempty"`
	// Error says why a pod chosen for a probe could not be probed (not
	// running, pods/exec forbidden, no cat in the image); the verdict is
	// then empty.
	Error string `json:"error,omitempty"`
}

// Isolation is the class the probed kernel gives; "" when unknown.
func (p *Probed) Isolation() policy.Isolation {
	switch p.Kind {
	case fingerprint.SharedKernel:
		return policy.SharedKernel
	case fingerprint.GVisor:
		return policy.GVisor
	case fingerprint.VM:
		return policy.VM
	case fingerprint.MicroVM:
		return policy.MicroVM
	}
	return ""
}

// Finding is one failed check.
type Finding struct {
	Rule     string          `json:"rule"`
	Category Category        `json:"category"`
	Severity policy.Severity `json:"severity"`
	Message  string          `json:"message"`
	// Container names the container the finding is about, if any.
	Container string `json:"container,omitempty"`
	// Path is the dotted field path inside the object.
	Path string `json:"path,omitempty"`
	// Line is the input file line of Path (offline mode).
	Line int `json:"line,omitempty"`
	// ExemptionExpired is the expiry date of a policy exemption that
	// would have accepted this finding.
	ExemptionExpired string `json:"exemptionExpired,omitempty"`
	// Baseline says, when the audit was compared with a baseline, whether
	// the finding is new or was there already (BaselineNew, BaselineUnchanged).
	Baseline string `json:"baseline,omitempty"`
}

// A finding's state against a baseline (audit --baseline).
const (
	BaselineNew       = "new"
	BaselineUnchanged = "unchanged"
)

// ExemptedFinding is a finding the policy accepts, kept for the record.
type ExemptedFinding struct {
	Finding
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// Location is a place in an input file.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// RuntimeClassInfo records the RuntimeClass a pod names.
type RuntimeClassInfo struct {
	Name         string                       `json:"name"`
	Handler      string                       `json:"handler"`
	NodeSelector map[string]string            `json:"nodeSelector,omitempty"`
	Tolerations  int                          `json:"tolerations,omitempty"`
	Overhead     map[string]resource.Quantity `json:"overhead,omitempty"`
}

// GPU is a count of one GPU-like resource per pod.
type GPU struct {
	Resource string `json:"resource"`
	Count    int64  `json:"count"`
	// Role is the pod template the count belongs to, for objects with several.
	Role string `json:"role,omitempty"`
	// Claim is set for GPUs through Dynamic Resource Allocation: Resource
	// is then the device class, and Count the devices allocated (or
	// requested).
	Claim *GPUClaim `json:"claim,omitempty"`
}

// ContainerInfo lists a container with its image and GPUs.
type ContainerInfo struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	// Init is "init" for init containers, "sidecar" for restartable ones.
	Init string `json:"init,omitempty"`
	Role string `json:"role,omitempty"`
	GPUs []GPU  `json:"gpus,omitempty"`
}

// NodeRef holds the facts of one node as they matter to a pod.
type NodeRef struct {
	Name                    string   `json:"name"`
	KernelVersion           string   `json:"kernelVersion,omitempty"`
	ContainerRuntimeVersion string   `json:"containerRuntimeVersion,omitempty"`
	RuntimeHandlers         []string `json:"runtimeHandlers,omitempty"`
}

// NodeReport is a node with its GPU capacity and allocation.
type NodeReport struct {
	NodeRef
	GPUProduct string    `json:"gpuProduct,omitempty"`
	GPUs       []NodeGPU `json:"gpus"`
	// GPUDriver is the NVIDIA driver version GPU Feature Discovery
	// labels, MIGMode how its GPUs are sliced (mixed, single, off), and
	// GPUIsolation the isolation classes that can run a GPU pod there, by
	// its handlers and the policy's GPU reach table ("gvisor?": the
	// driver is unknown).
	GPUDriver    string   `json:"gpuDriver,omitempty"`
	MIGMode      string   `json:"migMode,omitempty"`
	GPUIsolation []string `json:"gpuIsolation,omitempty"`
	Taints       []string `json:"taints,omitempty"`
	// Pods counts the audited pods bound to the node (live mode).
	Pods int `json:"pods,omitempty"`
}

// NodeGPU is one GPU-like resource on a node.
type NodeGPU struct {
	Resource    string `json:"resource"`
	Capacity    int64  `json:"capacity"`
	Allocatable int64  `json:"allocatable"`
	// Allocated sums the requests of pods bound to the node (live mode);
	// for DRA devices, those some claim holds.
	Allocated int64 `json:"allocated"`
	// DRA says the devices are published in ResourceSlices (Resource is
	// then "driver/type", e.g. gpu.nvidia.com/mig), not an extended
	// resource of the node.
	DRA bool `json:"dra,omitempty"`
}

// Summary counts workloads and findings.
type Summary struct {
	Workloads  int                         `json:"workloads"`
	ByType     map[policy.WorkloadType]int `json:"byType"`
	ByVerdict  map[Verdict]int             `json:"byVerdict"`
	BySeverity map[policy.Severity]int     `json:"bySeverity"`
	Findings   int                         `json:"findings"`
	Exempted   int                         `json:"exempted"`
	// ExpiredExemptions counts findings whose exemption has expired.
	ExpiredExemptions int `json:"expiredExemptions"`
	// ResourcesWithPods counts the custom resources listed with their
	// pods in scope (StandsForPods): their pods are counted, not they.
	ResourcesWithPods int `json:"resourcesWithPods,omitempty"`
}

// StandsForPods says the result is a custom resource whose pods in scope
// are listed under it: they carry the verdicts, the counts and the gates
// (--fail-on, SARIF, JUnit, reports), so its template's findings are not
// counted twice; it is a row of its own for what its template says.
func (r *Result) StandsForPods() bool {
	return r.Status != nil && r.Status.Status == StatusPods && r.Status.Pods > 0
}

// Worst returns the most severe finding, or nil.
func (r *Result) Worst() *Finding {
	var w *Finding
	for i := range r.Findings {
		if w == nil || r.Findings[i].Severity.Rank() > w.Severity.Rank() {
			w = &r.Findings[i]
		}
	}
	return w
}

// AtLeast counts the findings at or above sev.
func (s *Summary) AtLeast(sev policy.Severity) int {
	n := 0
	for k, v := range s.BySeverity {
		if k.Rank() >= sev.Rank() {
			n += v
		}
	}
	return n
}

// Workload returns the result of one object, or nil.
func (rep *Report) Workload(kind, namespace, name string) *Result {
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		if r.Kind == kind && r.Namespace == namespace && r.Name == name {
			return r
		}
	}
	return nil
}
