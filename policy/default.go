package policy

// Default returns the field's tier table and the built-in handler mappings.
// Each call returns a fresh value that the caller may change.
func Default() *Policy {
	return &Policy{
		APIVersion: APIVersion,
		Kind:       Kind,
		Tiers: map[WorkloadType]Tier{
			Inference: {Minimum: SharedKernel, Recommended: GVisor},
			Retrieval: {Minimum: GVisor},
			Agent:     {Minimum: VM},
			CodeExec:  {Minimum: MicroVM},
		},
		Handlers:             defaultHandlers(),
		GVisorGPUProducts:    []string{"T4", "A100", "A10G", "L4", "H100"},
		GVisorDriverVersions: gvisorDriverVersions(),
		GVisorRelease:        GVisorDriverRelease,
		VFIOGPUResources:     vfioGPUResources(),
		PodSecurity:          PodSecurity{Level: PSSRestricted, Version: "latest"},
	}
}

// defaultHandlers is ordered: specific patterns before the general ones
// they would otherwise be swallowed by (kata-qemu-nvidia-gpu before kata-qemu*).
func defaultHandlers() []HandlerRule {
	return []HandlerRule{
		// Shared host kernel: namespaces and cgroups only.
		{Match: "", Isolation: SharedKernel, GPU: GPUAll, Note: "runc on most nodes"},
		{Match: "runc", Isolation: SharedKernel, GPU: GPUAll},
		{Match: "crun", Isolation: SharedKernel, GPU: GPUAll},
		{Match: "youki", Isolation: SharedKernel, GPU: GPUAll},
		{Match: "nvidia", Isolation: SharedKernel, GPU: GPUAll, Note: "NVIDIA container runtime wraps runc"},
		{Match: "nvidia-*", Isolation: SharedKernel, GPU: GPUAll, Note: "NVIDIA container runtime wraps runc"},
		{Match: "sysbox-runc", Isolation: SharedKernel, GPU: GPUAll, Note: "user-namespace hardening, still the host kernel"},
		{Match: "wasmtime*", Isolation: SharedKernel, GPU: GPUNone, Note: "WebAssembly shim on the host kernel"},
		{Match: "wasmedge*", Isolation: SharedKernel, GPU: GPUNone, Note: "WebAssembly shim on the host kernel"},
		{Match: "spin", Isolation: SharedKernel, GPU: GPUNone, Note: "WebAssembly shim on the host kernel"},
		{Match: "crun-wasm", Isolation: SharedKernel, GPU: GPUNone, Note: "WebAssembly shim on the host kernel"},
		// gVisor: a user-space kernel.
		{Match: "runsc*", Isolation: GVisor, GPU: GPUNVProxy, Note: "gVisor; GPUs only through nvproxy"},
		{Match: "gvisor*", Isolation: GVisor, GPU: GPUNVProxy, Note: "gVisor; GPUs only through nvproxy"},
		// Kata with GPU passthrough, confidential variants included.
		{Match: "kata-qemu-nvidia-gpu*", Isolation: VM, GPU: GPUNVIDIA, Note: "Kata QEMU VM with VFIO GPU passthrough"},
		{Match: "kata-*-nvidia-gpu*", Isolation: VM, GPU: GPUNVIDIA, Note: "Kata VM with VFIO GPU passthrough"},
		{Match: "kata-nvidia-gpu*", Isolation: VM, GPU: GPUNVIDIA, Note: "Kata VM with VFIO GPU passthrough"},
		// Kata on minimal VMMs: microVMs.
		{Match: "kata-fc*", Isolation: MicroVM, GPU: GPUNone, Note: "Kata on Firecracker"},
		{Match: "kata-firecracker*", Isolation: MicroVM, GPU: GPUNone, Note: "Kata on Firecracker"},
		{Match: "kata-clh*", Isolation: MicroVM, GPU: GPUNone, Note: "Kata on Cloud Hypervisor"},
		{Match: "kata-cloud-hypervisor*", Isolation: MicroVM, GPU: GPUNone, Note: "Kata on Cloud Hypervisor"},
		{Match: "kata-dragonball*", Isolation: MicroVM, GPU: GPUNone, Note: "Kata on Dragonball"},
		{Match: "aws.firecracker", Isolation: MicroVM, GPU: GPUNone, Note: "firecracker-containerd"},
		{Match: "firecracker*", Isolation: MicroVM, GPU: GPUNone, Note: "firecracker-containerd"},
		// Kata on full VMMs and other VM-per-pod runtimes.
		{Match: "kata-vm-isolation", Isolation: VM, GPU: GPUNone, Note: "AKS pod sandboxing"},
		{Match: "kata-mshv-vm-isolation", Isolation: VM, GPU: GPUNone, Note: "AKS pod sandboxing (old name)"},
		{Match: "kata-qemu*", Isolation: VM, GPU: GPUNone, Note: "Kata on QEMU"},
		{Match: "kata-stratovirt*", Isolation: VM, GPU: GPUNone, Note: "Kata on StratoVirt"},
		{Match: "kata-remote*", Isolation: VM, GPU: GPUNone, Note: "Kata peer pods (remote VM)"},
		{Match: "kata", Isolation: VM, GPU: GPUNone, Note: "Kata Containers"},
		{Match: "kata-*", Isolation: VM, GPU: GPUNone, Note: "Kata Containers"},
		{Match: "edera*", Isolation: VM, GPU: GPUNone, Note: "Edera (Xen-based VM)"},
	}
}
