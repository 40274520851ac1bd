package audit

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/policy"
)

// Pod security: the Pod Security Standards and what they lack.
const (
	RuleRunAsRoot          = "TG-PSS-001"
	RuleSeccomp            = "TG-PSS-002"
	RuleEscalation         = "TG-PSS-003"
	RuleWritableRoot       = "TG-PSS-004"
	RuleCapsNotDropped     = "TG-PSS-005"
	RuleCapsAdded          = "TG-PSS-006"
	RulePrivileged         = "TG-PSS-007"
	RuleHostNamespaces     = "TG-PSS-008"
	RuleHostPath           = "TG-PSS-009"
	RuleRuntimeSocket      = "TG-PSS-010"
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
)

func podSecurityRules() []Rule {
	return []Rule{
		{
			ID: RuleRunAsRoot, Name: "run-as-non-root", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Container may run as root",
			Rationale: "Root in the container is one step closer to root on the node.",
			Fix:       "Set securityContext.runAsNonRoot: true (and a non-zero runAsUser).",
			Remedy:    Remedy{Kind: RemedySecurityContext, Sets: "runAsNonRoot", Harden: hardenRunAsNonRoot},
			check:     pssCheck(RuleRunAsRoot),
		},
		{
			ID: RuleSeccomp, Name: "seccomp-profile", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "No seccomp profile",
			Rationale: "Seccomp RuntimeDefault removes syscalls that most kernel exploits need.",
			Fix:       "Set securityContext.seccompProfile.type: RuntimeDefault.",
			Remedy:    Remedy{Kind: RemedySecurityContext, Sets: "seccomp RuntimeDefault", Harden: hardenSeccomp},
			check:     pssCheck(RuleSeccomp),
		},
		{
			ID: RuleEscalation, Name: "allow-privilege-escalation", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Privilege escalation allowed",
			Rationale: "Without allowPrivilegeEscalation: false a process can gain privileges through setuid binaries.",
			Fix:       "Set securityContext.allowPrivilegeEscalation: false.",
			Remedy:    Remedy{Kind: RemedySecurityContext, Sets: "no privilege escalation", Harden: hardenEscalation},
			check:     pssCheck(RuleEscalation),
		},
		{
			ID: RuleWritableRoot, Name: "read-only-root-filesystem", Category: CatPodSecurity, Severity: policy.Low,
			Title:     "Root filesystem is writable",
			Rationale: "A read-only root filesystem stops an attacker from dropping tools into the image.",
			Fix:       "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at /tmp.",
			Remedy:    Remedy{Kind: RemedySecurityContext, Sets: "read-only root filesystem", Harden: hardenReadOnlyRoot},
			check:     checkWritableRoot,
		},
		{
			ID: RuleCapsNotDropped, Name: "capabilities-drop-all", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Capabilities not dropped",
			Rationale: "Containers keep a default set of Linux capabilities unless they drop ALL.",
			Fix:       "Set securityContext.capabilities.drop: [ALL].",
			Remedy:    Remedy{Kind: RemedySecurityContext, Sets: "drop ALL capabilities", Harden: hardenDropAll},
			check:     pssCheck(RuleCapsNotDropped),
		},
		{
			ID: RuleCapsAdded, Name: "capabilities-added", Category: CatPodSecurity, Severity: policy.High,
			Title:     "Extra capabilities added",
			Rationale: "Capabilities beyond NET_BIND_SERVICE widen the kernel attack surface (SYS_ADMIN is nearly root).",
			Fix:       "Remove securityContext.capabilities.add.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleCapsAdded),
		},
		{
			ID: RulePrivileged, Name: "privileged", Category: CatPodSecurity, Severity: policy.Critical,
			Title:     "Privileged container",
			Rationale: "A privileged container has every capability and the host's devices: it is the node.",
			Fix:       "Remove securityContext.privileged.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RulePrivileged),
		},
		{
			ID: RuleHostNamespaces, Name: "host-namespaces", Category: CatPodSecurity, Severity: policy.High,
			Title:     "Host namespaces shared",
			Rationale: "hostPID, hostIPC and hostNetwork let the pod see and reach the node's processes, memory and network.",
			Fix:       "Remove hostPID, hostIPC and hostNetwork.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleHostNamespaces),
		},
		{
			ID: RuleHostPath, Name: "host-path", Category: CatPodSecurity, Severity: policy.High,
			Title:     "hostPath volume",
			Rationale: "A hostPath volume exposes the node's filesystem to the pod.",
			Fix:       "Use an emptyDir, a PVC or a CSI volume instead.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleHostPath),
		},
		{
			ID: RuleRuntimeSocket, Name: "container-runtime-socket", Category: CatPodSecurity, Severity: policy.Critical,
			Title:     "Container runtime socket or host root mounted",
			Rationale: "Whoever reaches the docker or containerd socket can start a privileged container on the node.",
			Fix:       "Remove the hostPath mount; run builds or sandboxes in a VM-isolated RuntimeClass.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     checkRuntimeSocket,
		},
		{
			ID: RuleNamespaceRejects, Name: "namespace-enforce-rejects", Category: CatPodSecurity, Severity: policy.High,
			Title:     "The namespace's Pod Security enforce level rejects the pods",
			Rationale: "A namespace labelled pod-security.kubernetes.io/enforce makes the API server refuse every pod that violates that level: the workload's pods cannot be created (existing pods keep running until they are replaced).",
			Fix:       "Fix the pod-security findings the enforce level names (tiergate fix), or label the namespace with a lower level if the workload really needs it.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: "it clears when the pod-security findings its enforce level names are fixed (or the namespace's level is lowered)"},
			check:     checkNamespaceRejects,
		},
		{
			ID: RuleRunAsUserRoot, Name: "run-as-user-root", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Container runs as UID 0",
			Rationale: "runAsUser: 0 is root whatever runAsNonRoot says; the restricted Pod Security level forbids it.",
			Fix:       "Set securityContext.runAsUser to the non-zero UID the image runs as.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: "it sets runAsUser: 0; choose the UID the image should run as"},
			check:     pssCheck(RuleRunAsUserRoot),
		},
		{
			ID: RuleHostPorts, Name: "host-ports", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Host ports",
			Rationale: "A hostPort binds the node's own address: the pod is reachable from outside every NetworkPolicy's view and pinned to one pod per node.",
			Fix:       "Remove ports[].hostPort and expose the pod through a Service.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleHostPorts),
		},
		{
			ID: RuleVolumeTypes, Name: "volume-types", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Volume type outside the restricted set",
			Rationale: "The restricted level allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes; the others reach node or network storage directly.",
			Fix:       "Use a PersistentVolumeClaim or a CSI volume instead.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleVolumeTypes),
		},
		{
			ID: RuleSysctls, Name: "unsafe-sysctls", Category: CatPodSecurity, Severity: policy.High,
			Title:     "Unsafe sysctls",
			Rationale: "Sysctls outside the safe set change the node's kernel for every pod on it.",
			Fix:       "Remove securityContext.sysctls other than the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, ...).",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleSysctls),
		},
		{
			ID: RuleProcMount, Name: "proc-mount", Category: CatPodSecurity, Severity: policy.High,
			Title:     "/proc is unmasked",
			Rationale: "procMount: Unmasked exposes the host's kernel interfaces under /proc.",
			Fix:       "Remove securityContext.procMount (or set it to Default).",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleProcMount),
		},
		{
			ID: RuleAppArmor, Name: "apparmor-profile", Category: CatPodSecurity, Severity: policy.High,
			Title:     "AppArmor profile disabled",
			Rationale: "An Unconfined AppArmor profile removes a mandatory access control layer between the container and the kernel.",
			Fix:       "Set securityContext.appArmorProfile.type to RuntimeDefault or Localhost, or remove it.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleAppArmor),
		},
		{
			ID: RuleSELinux, Name: "selinux-options", Category: CatPodSecurity, Severity: policy.High,
			Title:     "SELinux options forbidden by the standard",
			Rationale: "A custom SELinux user or role, or a type outside container_t, container_init_t, container_kvm_t and container_engine_t, can lift the label that confines the container.",
			Fix:       "Remove securityContext.seLinuxOptions user and role and use an allowed type.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleSELinux),
		},
		{
			ID: RuleWindowsHostProcess, Name: "windows-host-process", Category: CatPodSecurity, Severity: policy.Critical,
			Title:     "Windows host process",
			Rationale: "A Windows hostProcess container runs directly on the node, as the node.",
			Fix:       "Remove securityContext.windowsOptions.hostProcess.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleWindowsHostProcess),
		},
		{
			ID: RuleProbeHost, Name: "probe-host", Category: CatPodSecurity, Severity: policy.Medium,
			Title:     "Probe or lifecycle hook aimed at another host",
			Rationale: "A probe's or hook's host field makes the kubelet send requests to any address on the pod's behalf.",
			Fix:       "Remove the host field from httpGet and tcpSocket probes and lifecycle hooks.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: dependsOnUse},
			check:     pssCheck(RuleProbeHost),
		},
	}
}

// The Pod Security Standards controls come from the library (pss*.go):
// each rule's check (pssCheck) emits the findings of its controls.
// Read-only root filesystems and container-runtime sockets are tiergate's
// own: the standard has no control for them.

// pssCheck is the check of a rule the Pod Security library decides: it
// emits that rule's share of the library's verdict.
func pssCheck(rule string) func(*subject) {
	return func(s *subject) { s.emitPSS(rule) }
}

func checkWritableRoot(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		if sc := c.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
			return
		}
		s.emit(RuleWritableRoot, "", c.Name, s.path(ref, ".securityContext.readOnlyRootFilesystem"), s.ctrMsg(ref, c, " has a writable root filesystem"))
	})
}

func checkRuntimeSocket(s *subject) {
	s.forRuntimeSockets(func(t *PodTemplate, p string, v *corev1.Volume) {
		s.emit(RuleRuntimeSocket, "", "", p, s.msg(`volume "`, v.Name, `" mounts `, v.HostPath.Path, " from the host", s.where(t), ": it reaches the container runtime (or the whole host)"))
	})
}

// forRuntimeSockets visits hostPath volumes of runtime sockets (and of
// the host's root); the library reports every hostPath as TG-PSS-009,
// these as TG-PSS-010 instead.
func (s *subject) forRuntimeSockets(fn func(t *PodTemplate, path string, v *corev1.Volume)) {
	s.forTemplates(func(_ int, t *PodTemplate) {
		for i := range t.Spec.Volumes {
			v := &t.Spec.Volumes[i]
			if v.HostPath == nil || !isRuntimeSocket(v.HostPath.Path) {
				continue
			}
			fn(t, s.sc.cache.str(ev{t.SpecPath, ".volumes", indexStr(i), ".hostPath"}), v)
		}
	})
}

// runtimeSocketPaths are container runtime sockets and the directories
// that hold them.
var runtimeSocketPaths = []string{
	"/", "/var/run", "/run",
	"/var/run/docker.sock", "/run/docker.sock", "/var/run/docker", "/var/lib/docker",
	"/var/run/containerd", "/run/containerd", "/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock",
	"/var/run/crio", "/run/crio", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
	"/var/run/cri-dockerd.sock", "/var/run/dockershim.sock",
	"/run/k3s/containerd", "/run/k3s/containerd/containerd.sock",
}

func isRuntimeSocket(p string) bool {
	clean := path.Clean(p)
	for _, s := range runtimeSocketPaths {
		if clean == s {
			return true
		}
	}
	return strings.HasSuffix(clean, "/docker.sock") || strings.HasSuffix(clean, "/containerd.sock") || strings.HasSuffix(clean, "/crio.sock")
}
