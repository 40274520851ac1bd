// Package policy holds tiergate's vocabulary (workload types, isolation
// classes, severities) and the tier table that says which isolation each
// workload type needs. It parses and validates policy files; it does no I/O.
package policy

// WorkloadType is what kind of LLM workload a pod runs.
type WorkloadType string

const (
	Inference WorkloadType = "inference"
	Retrieval WorkloadType = "retrieval"
	Agent     WorkloadType = "agent"
	CodeExec  WorkloadType = "code-exec"
	None      WorkloadType = "none"
)

// Types lists every workload type in display order: riskiest LLM types last
// among the LLM ones, then everything else.
func Types() []WorkloadType {
	return []WorkloadType{Inference, Retrieval, Agent, CodeExec, None}
}

// Valid reports whether t is one of the known types.
func (t WorkloadType) Valid() bool {
	switch t {
	case Inference, Retrieval, Agent, CodeExec, None:
		return true
	}
	return false
}

// IsLLM reports whether the type is an LLM workload (every type but none).
func (t WorkloadType) IsLLM() bool { return t.Valid() && t != None }

// Isolation is the boundary a pod really runs behind.
type Isolation string

const (
	SharedKernel Isolation = "shared-kernel"
	GVisor       Isolation = "gvisor"
	VM           Isolation = "vm"
	MicroVM      Isolation = "microvm"
	Unknown      Isolation = "unknown"
)

// Rank orders isolation classes: shared-kernel < gvisor < vm < microvm.
// Unknown ranks -1 so that it is never mistaken for "strong enough".
func (i Isolation) Rank() int {
	switch i {
	case SharedKernel:
		return 0
	case GVisor:
		return 1
	case VM:
		return 2
	case MicroVM:
		return 3
	}
	return -1
}

// Valid reports whether i is a known isolation class (unknown included).
func (i Isolation) Valid() bool { return i.Rank() >= 0 || i == Unknown }

// Severity of a finding.
type Severity string

const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rank orders severities: low 1 .. critical 4; anything else 0.
func (s Severity) Rank() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return 0
}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// Severities lists severities from the most to the least severe.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low} }

// SeverityFromRank is the inverse of Rank, clamped to low..critical.
func SeverityFromRank(r int) Severity {
	switch {
	case r <= 1:
		return Low
	case r == 2:
		return Medium
	case r == 3:
		return High
	}
	return Critical
}

// GPUSupport says which GPUs a runtime handler can hand to a pod.
type GPUSupport string

const (
	// GPUAll: any GPU-like device (plain runc/crun with the vendor's hooks).
	GPUAll GPUSupport = "all"
	// GPUNVIDIA: whole NVIDIA GPUs by VFIO passthrough (Kata *-nvidia-gpu*); no MIG slices.
	GPUNVIDIA GPUSupport = "nvidia"
	// GPUNVProxy: gVisor nvproxy: whole NVIDIA GPUs of supported products only; no MIG.
	GPUNVProxy GPUSupport = "nvproxy"
	// GPUNone: the handler cannot pass GPUs through.
	GPUNone GPUSupport = "none"
)

// Valid reports whether g is a known GPU support level.
func (g GPUSupport) Valid() bool {
	switch g {
	case GPUAll, GPUNVIDIA, GPUNVProxy, GPUNone:
		return true
	}
	return false
}
