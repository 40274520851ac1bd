package audit

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The Pod Security Standards controls come from the library (pss*.go):
// each rule's check emits the findings of its controls. Read-only root
// filesystems and container-runtime sockets are tiergate's own: the
// standard has no control for them.

func checkRunAsRoot(s *subject)          { s.emitPSS(RuleRunAsRoot) }
func checkSeccomp(s *subject)            { s.emitPSS(RuleSeccomp) }
func checkEscalation(s *subject)         { s.emitPSS(RuleEscalation) }
func checkCapsNotDropped(s *subject)     { s.emitPSS(RuleCapsNotDropped) }
func checkCapsAdded(s *subject)          { s.emitPSS(RuleCapsAdded) }
func checkPrivileged(s *subject)         { s.emitPSS(RulePrivileged) }
func checkHostNamespaces(s *subject)     { s.emitPSS(RuleHostNamespaces) }
func checkHostPath(s *subject)           { s.emitPSS(RuleHostPath) }
func checkRunAsUserRoot(s *subject)      { s.emitPSS(RuleRunAsUserRoot) }
func checkHostPorts(s *subject)          { s.emitPSS(RuleHostPorts) }
func checkVolumeTypes(s *subject)        { s.emitPSS(RuleVolumeTypes) }
func checkSysctls(s *subject)            { s.emitPSS(RuleSysctls) }
func checkProcMount(s *subject)          { s.emitPSS(RuleProcMount) }
func checkAppArmor(s *subject)           { s.emitPSS(RuleAppArmor) }
func checkSELinux(s *subject)            { s.emitPSS(RuleSELinux) }
func checkWindowsHostProcess(s *subject) { s.emitPSS(RuleWindowsHostProcess) }
func checkProbeHost(s *subject)          { s.emitPSS(RuleProbeHost) }

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
			fn(t, s.e.cache.str(ev{t.SpecPath, ".volumes", indexStr(i), ".hostPath"}), v)
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
