package policy

// APIVersion and Kind identify a tiergate policy document.
const (
	APIVersion = "tiergate.dev/v1alpha1"
	Kind       = "Policy"
)

// Policy is the tier table plus everything a user may tune: handler
// mappings, classification rules, per-rule overrides and exemptions.
type Policy struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Tiers gives the minimum (and optionally recommended) isolation per
	// LLM workload type.
	Tiers map[WorkloadType]Tier `json:"tiers"`
	// ApplyToAllPods extends the minimum policy set (network, identity,
	// pod-security, gpu, scheduling checks) to pods that are not LLM
	// workloads. Isolation tiers still apply to LLM workloads only.
	ApplyToAllPods bool `json:"applyToAllPods"`
	// Handlers maps runtime handler names (glob patterns) to isolation
	// classes, first match wins. User entries are placed before built-ins.
	Handlers []HandlerRule `json:"handlers"`
	// GVisorGPUProducts lists GPU models that gVisor's nvproxy supports,
	// matched against the words of the node label nvidia.com/gpu.product.
	GVisorGPUProducts []string `json:"gvisorGPUProducts"`
	// GVisorDriverVersions lists the NVIDIA driver versions nvproxy
	// accepts, as GVisorRelease's driver ABI table has them: runsc
	// refuses to start a GPU sandbox on any other driver. Empty: not
	// checked. docs/gpu-reach.md names the sources.
	GVisorDriverVersions []string `json:"gvisorDriverVersions"`
	// GVisorRelease is the gVisor release the driver list is taken from.
	GVisorRelease string `json:"gvisorRelease"`
	// VFIOGPUResources are the extended resources (globs) that the VFIO
	// passthrough of handlers with gpu: nvidia (Kata's GPU classes) hands
	// to the VM whole; a GPU asked any other way stays outside the VM.
	VFIOGPUResources []string `json:"vfioGPUResources"`
	// VMColdPlugsDRA says the cluster's VM runtimes cold-plug devices
	// allocated through DRA resource claims into the VM; none does today
	// (kata-containers#13322), so a claimed GPU is outside the VM.
	VMColdPlugsDRA bool `json:"vmColdPlugsDRA"`
	// Classification rules win over the built-in classifier, first match wins.
	Classification []ClassificationRule `json:"classification,omitempty"`
	// PodSecurity chooses the Pod Security Standards level and version.
	PodSecurity PodSecurity `json:"podSecurity"`
	// Rules overrides the severity of a check or disables it, by rule ID.
	Rules map[string]RuleOverride `json:"rules,omitempty"`
	// Exemptions accept a finding for named workloads, with a reason.
	Exemptions []Exemption `json:"exemptions,omitempty"`
}

// Tier is one row of the tier table.
type Tier struct {
	Minimum     Isolation `json:"minimum"`
	Recommended Isolation `json:"recommended,omitempty"`
}

// HandlerRule maps runtime handler names to an isolation class.
type HandlerRule struct {
	// Match is a handler name or a glob ("kata-qemu*", "*-nvidia-gpu*").
	Match     string     `json:"match"`
	Isolation Isolation  `json:"isolation"`
	GPU       GPUSupport `json:"gpu"`
	Note      string     `json:"note,omitempty"`
}

// ClassificationRule assigns a workload type to pods matching an image
// regular expression and/or a label selector (both must match when both
// are set).
type ClassificationRule struct {
	Name     string       `json:"name"`
	Type     WorkloadType `json:"type"`
	Image    string       `json:"image,omitempty"`
	Selector string       `json:"selector,omitempty"`
}

// RuleOverride changes how one check reports.
type RuleOverride struct {
	Severity Severity `json:"severity,omitempty"`
	Disabled bool     `json:"disabled,omitempty"`
}

// Exemption accepts findings of one rule for matching workloads. Namespace
// and Name are globs; Name matches the workload's name or its owner's.
// Expires (YYYY-MM-DD) ends the exemption at the start of that day (UTC).
type Exemption struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
	Expires   string `json:"expires,omitempty"`
}
