package fingerprint

// Kind is the kernel boundary a container runs behind.
type Kind string

const (
	// SharedKernel: the node's own kernel (runc, crun).
	SharedKernel Kind = "shared-kernel"
	// GVisor: gVisor's user-space kernel (the Sentry).
	GVisor Kind = "gvisor"
	// VM: a guest kernel under a full VMM (Kata on QEMU, Cloud Hypervisor).
	VM Kind = "vm"
	// MicroVM: a guest kernel under Firecracker.
	MicroVM Kind = "microvm"
	// Unknown: the markers are missing or contradict each other.
	Unknown Kind = "unknown"
)

// VMMs the markers recognise.
const (
	QEMU            = "QEMU"
	CloudHypervisor = "Cloud Hypervisor"
	Firecracker     = "Firecracker"
)

// Verdict is what the facts say, and why.
type Verdict struct {
	Kind Kind `json:"kind"`
	// VMM names the hypervisor when a marker identifies it.
	VMM string `json:"vmm,omitempty"`
	// Evidence are the markers that decided it, strongest first.
	Evidence []string `json:"evidence"`
	// Conflicts are the markers that disagreed (Kind is then Unknown).
	Conflicts []string `json:"conflicts,omitempty"`
	// Caveat says what the verdict cannot tell, e.g. with no node kernel
	// to compare, whether a VM is the pod's own or the node itself.
	Caveat string `json:"caveat,omitempty"`
}

// String is "vm (QEMU)", "gvisor", "unknown".
func (v Verdict) String() string {
	if v.VMM != "" {
		return string(v.Kind) + " (" + v.VMM + ")"
	}
	return string(v.Kind)
}
