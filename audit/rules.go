package audit

import "github.com/tiergate/tiergate/policy"

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

// Rule describes one check. IDs are stable: policies, exemptions, SARIF
// and CI pipelines refer to them.
type Rule struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Category Category        `json:"category"`
	Severity policy.Severity `json:"severity"`
	// SeverityNote says how the severity varies, when it does.
	SeverityNote string `json:"severityNote,omitempty"`
	Title        string `json:"title"`
	Rationale    string `json:"rationale"`
	Fix          string `json:"fix"`
}

// Rule IDs.
const (
	RuleBelowTier        = "TG-ISO-001"
	RuleBelowRecommended = "TG-ISO-002"
	RuleUnknownHandler   = "TG-ISO-003"
	RuleMissingClass     = "TG-ISO-004"
	RuleProbeMismatch    = "TG-ISO-005"
	RuleNoEgressPolicy   = "TG-NET-001"
	RuleEgressOpen       = "TG-NET-002"
	RuleEgressMetadata   = "TG-NET-003"
	RuleTokenAutomount   = "TG-IDN-001"
	RuleRunAsRoot        = "TG-PSS-001"
	RuleSeccomp          = "TG-PSS-002"
	RuleEscalation       = "TG-PSS-003"
	RuleWritableRoot     = "TG-PSS-004"
	RuleCapsNotDropped   = "TG-PSS-005"
	RuleCapsAdded        = "TG-PSS-006"
	RulePrivileged       = "TG-PSS-007"
	RuleHostNamespaces   = "TG-PSS-008"
	RuleHostPath         = "TG-PSS-009"
	RuleRuntimeSocket    = "TG-PSS-010"
	// TG-PSS-011..020: the namespace's enforce level and the Pod Security
	// controls that had no rule before the library decided them.
	RuleNamespaceRejects   = "TG-PSS-011"
	RuleRunAsUserRoot      = "TG-PSS-012"
	RuleHostPorts          = "TG-PSS-013"
	RuleVolumeTypes        = "TG-PSS-014"
	RuleSysctls            = "TG-PSS-015"
	RuleProcMount          = "TG-PSS-016"
	RuleAppArmor           = "TG-PSS-017"
	RuleSELinux            = "TG-PSS-018"
	RuleWindowsHostProcess = "TG-PSS-019"
	RuleProbeHost          = "TG-PSS-020"
	RuleGPURuntime         = "TG-GPU-001"
	RuleHandlerNotOnNode   = "TG-SCH-001"
	RuleNoNodeFits         = "TG-SCH-002"
)

// Rules returns the catalog of checks in a stable order.
func Rules() []Rule {
	return []Rule{
		{RuleBelowTier, "runtime-below-tier", CatIsolation, policy.High,
			"medium one class below the minimum, high two below, critical three below or code-exec on a shared kernel",
			"Runtime isolation is below the tier's minimum",
			"The tier table says how thick a boundary each kind of LLM workload needs: an agent that calls tools or a code runner turns untrusted text into actions, and on a shared kernel one kernel bug is a node escape.",
			"Set spec.runtimeClassName to a RuntimeClass whose handler gives the required isolation (gVisor, Kata VM, Firecracker microVM)."},
		{RuleBelowRecommended, "runtime-below-recommended", CatIsolation, policy.Low, "",
			"Runtime isolation meets the minimum but not the recommendation",
			"The tier table recommends a stronger boundary than it requires for this type (inference: gVisor) because model servers parse untrusted prompts and files.",
			"Consider a gVisor RuntimeClass (runsc, with nvproxy for GPUs)."},
		{RuleUnknownHandler, "runtime-handler-unknown", CatIsolation, policy.High, "medium for inference and retrieval",
			"Runtime handler is not a known runtime",
			"tiergate cannot tell what isolation an unrecognised handler gives and will not guess.",
			"Add the handler to the policy's handlers list with its isolation class."},
		{RuleMissingClass, "runtimeclass-missing", CatIsolation, policy.High, "",
			"RuntimeClass does not exist",
			"A pod naming a RuntimeClass that does not exist is rejected at admission: the workload does not run at all.",
			"Create the RuntimeClass or fix spec.runtimeClassName."},
		{RuleProbeMismatch, "isolation-probe-mismatch", CatIsolation, policy.Critical, "runs on every probed pod, LLM workload or not",
			"The probed kernel is weaker than the RuntimeClass declares",
			"A RuntimeClass says what the operator asked for; only the kernel inside the pod says what it got. A node whose containerd maps a kata or runsc handler to runc runs the pod on the node's kernel while every manifest says it is sandboxed.",
			"Check the node's containerd runtime configuration for the handler (kata-deploy, runsc installation) and cordon the node until it runs the handler it reports; then recreate the pod and probe it again."},
		{RuleNoEgressPolicy, "no-egress-policy", CatNetwork, policy.High, "medium for inference and retrieval",
			"No NetworkPolicy restricts the pod's egress",
			"Without an egress policy a pod can reach every address, the cloud metadata service and the API server included: prompt injection becomes exfiltration.",
			"Add a NetworkPolicy with policyTypes [Egress] selecting the pod, allowing DNS and the model gateway only."},
		{RuleEgressOpen, "egress-unrestricted", CatNetwork, policy.High, "medium when the open rule is limited to some ports",
			"Egress is allowed to every destination",
			"An egress rule with no `to` or with 0.0.0.0/0 is not an allow-list.",
			"Replace the open rule with the destinations the workload needs."},
		{RuleEgressMetadata, "egress-to-metadata", CatNetwork, policy.High, "",
			"Egress reaches the cloud metadata address",
			"169.254.169.254 hands out cloud credentials; an LLM workload has no reason to reach it.",
			"Add 169.254.169.254/32 to the ipBlock's except list or narrow the rule."},
		{RuleTokenAutomount, "sa-token-automount", CatIdentity, policy.Medium, "high for agent and code-exec",
			"Service account token is mounted",
			"A mounted token lets code in the pod call the Kubernetes API as the pod's ServiceAccount.",
			"Set automountServiceAccountToken: false on the pod template (or on the ServiceAccount)."},
		{RuleRunAsRoot, "run-as-non-root", CatPodSecurity, policy.Medium, "",
			"Container may run as root",
			"Root in the container is one step closer to root on the node.",
			"Set securityContext.runAsNonRoot: true (and a non-zero runAsUser)."},
		{RuleSeccomp, "seccomp-profile", CatPodSecurity, policy.Medium, "",
			"No seccomp profile",
			"Seccomp RuntimeDefault removes syscalls that most kernel exploits need.",
			"Set securityContext.seccompProfile.type: RuntimeDefault."},
		{RuleEscalation, "allow-privilege-escalation", CatPodSecurity, policy.Medium, "",
			"Privilege escalation allowed",
			"Without allowPrivilegeEscalation: false a process can gain privileges through setuid binaries.",
			"Set securityContext.allowPrivilegeEscalation: false."},
		{RuleWritableRoot, "read-only-root-filesystem", CatPodSecurity, policy.Low, "",
			"Root filesystem is writable",
			"A read-only root filesystem stops an attacker from dropping tools into the image.",
			"Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at /tmp."},
		{RuleCapsNotDropped, "capabilities-drop-all", CatPodSecurity, policy.Medium, "",
			"Capabilities not dropped",
			"Containers keep a default set of Linux capabilities unless they drop ALL.",
			"Set securityContext.capabilities.drop: [ALL]."},
		{RuleCapsAdded, "capabilities-added", CatPodSecurity, policy.High, "",
			"Extra capabilities added",
			"Capabilities beyond NET_BIND_SERVICE widen the kernel attack surface (SYS_ADMIN is nearly root).",
			"Remove securityContext.capabilities.add."},
		{RulePrivileged, "privileged", CatPodSecurity, policy.Critical, "",
			"Privileged container",
			"A privileged container has every capability and the host's devices: it is the node.",
			"Remove securityContext.privileged."},
		{RuleHostNamespaces, "host-namespaces", CatPodSecurity, policy.High, "",
			"Host namespaces shared",
			"hostPID, hostIPC and hostNetwork let the pod see and reach the node's processes, memory and network.",
			"Remove hostPID, hostIPC and hostNetwork."},
		{RuleHostPath, "host-path", CatPodSecurity, policy.High, "",
			"hostPath volume",
			"A hostPath volume exposes the node's filesystem to the pod.",
			"Use an emptyDir, a PVC or a CSI volume instead."},
		{RuleRuntimeSocket, "container-runtime-socket", CatPodSecurity, policy.Critical, "",
			"Container runtime socket or host root mounted",
			"Whoever reaches the docker or containerd socket can start a privileged container on the node.",
			"Remove the hostPath mount; run builds or sandboxes in a VM-isolated RuntimeClass."},
		{RuleNamespaceRejects, "namespace-enforce-rejects", CatPodSecurity, policy.High, "",
			"The namespace's Pod Security enforce level rejects the pods",
			"A namespace labelled pod-security.kubernetes.io/enforce makes the API server refuse every pod that violates that level: the workload's pods cannot be created (existing pods keep running until they are replaced).",
			"Fix the pod-security findings the enforce level names (tiergate fix), or label the namespace with a lower level if the workload really needs it."},
		{RuleRunAsUserRoot, "run-as-user-root", CatPodSecurity, policy.Medium, "",
			"Container runs as UID 0",
			"runAsUser: 0 is root whatever runAsNonRoot says; the restricted Pod Security level forbids it.",
			"Set securityContext.runAsUser to the non-zero UID the image runs as."},
		{RuleHostPorts, "host-ports", CatPodSecurity, policy.Medium, "",
			"Host ports",
			"A hostPort binds the node's own address: the pod is reachable from outside every NetworkPolicy's view and pinned to one pod per node.",
			"Remove ports[].hostPort and expose the pod through a Service."},
		{RuleVolumeTypes, "volume-types", CatPodSecurity, policy.Medium, "",
			"Volume type outside the restricted set",
			"The restricted level allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes; the others reach node or network storage directly.",
			"Use a PersistentVolumeClaim or a CSI volume instead."},
		{RuleSysctls, "unsafe-sysctls", CatPodSecurity, policy.High, "",
			"Unsafe sysctls",
			"Sysctls outside the safe set change the node's kernel for every pod on it.",
			"Remove securityContext.sysctls other than the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, ...)."},
		{RuleProcMount, "proc-mount", CatPodSecurity, policy.High, "",
			"/proc is unmasked",
			"procMount: Unmasked exposes the host's kernel interfaces under /proc.",
			"Remove securityContext.procMount (or set it to Default)."},
		{RuleAppArmor, "apparmor-profile", CatPodSecurity, policy.High, "",
			"AppArmor profile disabled",
			"An Unconfined AppArmor profile removes a mandatory access control layer between the container and the kernel.",
			"Set securityContext.appArmorProfile.type to RuntimeDefault or Localhost, or remove it."},
		{RuleSELinux, "selinux-options", CatPodSecurity, policy.High, "",
			"SELinux options forbidden by the standard",
			"A custom SELinux user or role, or a type outside container_t, container_init_t, container_kvm_t and container_engine_t, can lift the label that confines the container.",
			"Remove securityContext.seLinuxOptions user and role and use an allowed type."},
		{RuleWindowsHostProcess, "windows-host-process", CatPodSecurity, policy.Critical, "",
			"Windows host process",
			"A Windows hostProcess container runs directly on the node, as the node.",
			"Remove securityContext.windowsOptions.hostProcess."},
		{RuleProbeHost, "probe-host", CatPodSecurity, policy.Medium, "",
			"Probe or lifecycle hook aimed at another host",
			"A probe's or hook's host field makes the kubelet send requests to any address on the pod's behalf.",
			"Remove the host field from httpGet and tcpSocket probes and lifecycle hooks."},
		{RuleGPURuntime, "gpu-runtime-incompatible", CatGPU, policy.High, "",
			"GPU requested under a runtime that cannot pass it through",
			"gVisor passes only whole NVIDIA GPUs of supported models through nvproxy, Kata only in its *-nvidia-gpu* classes, Firecracker not at all by default: the pod stays Pending or starts without its GPU.",
			"Use a GPU-capable RuntimeClass of the required isolation (e.g. kata-qemu-nvidia-gpu) or mark the handler GPU-capable in the policy."},
		{RuleHandlerNotOnNode, "runtime-handler-not-on-nodes", CatScheduling, policy.High, "",
			"No node reports the runtime handler",
			"Nodes list the handlers their runtime offers in status.runtimeHandlers; a pod asking for one no node has stays Pending.",
			"Install the runtime (kata-deploy, gVisor) on a node pool or pick another RuntimeClass."},
		{RuleNoNodeFits, "no-schedulable-node", CatScheduling, policy.Medium, "",
			"No node can run the pod",
			"The pod's node selector, affinity, tolerations, RuntimeClass scheduling and GPU requests together match no node.",
			"Label or add nodes for the workload, or relax its constraints."},
	}
}

// ruleIndex returns the catalog keyed by ID.
func ruleIndex() map[string]Rule {
	m := map[string]Rule{}
	for _, r := range Rules() {
		m[r.ID] = r
	}
	return m
}
