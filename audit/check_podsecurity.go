package audit

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Effective settings: a container's securityContext overrides the pod's.

func effRunAsNonRoot(p *corev1.PodSecurityContext, c *corev1.SecurityContext) *bool {
	if c != nil && c.RunAsNonRoot != nil {
		return c.RunAsNonRoot
	}
	if p != nil {
		return p.RunAsNonRoot
	}
	return nil
}

func effRunAsUser(p *corev1.PodSecurityContext, c *corev1.SecurityContext) *int64 {
	if c != nil && c.RunAsUser != nil {
		return c.RunAsUser
	}
	if p != nil {
		return p.RunAsUser
	}
	return nil
}

func effSeccomp(p *corev1.PodSecurityContext, c *corev1.SecurityContext) *corev1.SeccompProfile {
	if c != nil && c.SeccompProfile != nil {
		return c.SeccompProfile
	}
	if p != nil {
		return p.SeccompProfile
	}
	return nil
}

func checkRunAsRoot(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		uid := effRunAsUser(ref.t.Spec.SecurityContext, c.SecurityContext)
		if uid != nil && *uid == 0 {
			s.emit(RuleRunAsRoot, "", c.Name, s.path(ref, ".securityContext.runAsUser"), s.ctrMsg(ref, c, " runs as UID 0"))
			return
		}
		// A non-zero UID is non-root in fact, even without runAsNonRoot.
		if uid != nil && *uid > 0 {
			return
		}
		if nr := effRunAsNonRoot(ref.t.Spec.SecurityContext, c.SecurityContext); nr != nil && *nr {
			return
		}
		s.emit(RuleRunAsRoot, "", c.Name, s.path(ref, ".securityContext.runAsNonRoot"), s.ctrMsg(ref, c, " may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set"))
	})
}

func checkSeccomp(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		sp := effSeccomp(ref.t.Spec.SecurityContext, c.SecurityContext)
		if sp != nil && (sp.Type == corev1.SeccompProfileTypeRuntimeDefault || sp.Type == corev1.SeccompProfileTypeLocalhost) {
			return
		}
		what, profile := " has no seccomp profile", ""
		if sp != nil {
			what, profile = " has seccomp profile ", string(sp.Type)
		}
		s.emit(RuleSeccomp, "", c.Name, s.path(ref, ".securityContext.seccompProfile"), s.ctrMsg(ref, c, what, profile, " (want RuntimeDefault or Localhost)"))
	})
}

func checkEscalation(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		if sc := c.SecurityContext; sc != nil && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			return
		}
		s.emit(RuleEscalation, "", c.Name, s.path(ref, ".securityContext.allowPrivilegeEscalation"), s.ctrMsg(ref, c, " does not set allowPrivilegeEscalation: false"))
	})
}

func checkWritableRoot(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		if sc := c.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
			return
		}
		s.emit(RuleWritableRoot, "", c.Name, s.path(ref, ".securityContext.readOnlyRootFilesystem"), s.ctrMsg(ref, c, " has a writable root filesystem"))
	})
}

func checkCapsNotDropped(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		if sc := c.SecurityContext; sc != nil && sc.Capabilities != nil {
			for _, d := range sc.Capabilities.Drop {
				if strings.EqualFold(string(d), "ALL") {
					return
				}
			}
		}
		s.emit(RuleCapsNotDropped, "", c.Name, s.path(ref, ".securityContext.capabilities.drop"), s.ctrMsg(ref, c, " does not drop ALL capabilities"))
	})
}

func checkCapsAdded(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		sc := c.SecurityContext
		if sc == nil || sc.Capabilities == nil {
			return
		}
		var added []string
		for _, a := range sc.Capabilities.Add {
			if n := strings.TrimPrefix(strings.ToUpper(string(a)), "CAP_"); n != "NET_BIND_SERVICE" {
				added = append(added, n)
			}
		}
		if len(added) == 0 {
			return
		}
		s.emit(RuleCapsAdded, "", c.Name, s.path(ref, ".securityContext.capabilities.add"), s.ctrMsg(ref, c, " adds capabilities ", strings.Join(added, ", ")))
	})
}

func checkPrivileged(s *subject) {
	s.forContainers(func(ref containerRef, c *corev1.Container) {
		if sc := c.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
			s.emit(RulePrivileged, "", c.Name, s.path(ref, ".securityContext.privileged"), s.ctrMsg(ref, c, " is privileged"))
		}
	})
}

func checkHostNamespaces(s *subject) {
	s.forTemplates(func(_ int, t *PodTemplate) {
		var shared []string
		if t.Spec.HostNetwork {
			shared = append(shared, "network")
		}
		if t.Spec.HostPID {
			shared = append(shared, "PID")
		}
		if t.Spec.HostIPC {
			shared = append(shared, "IPC")
		}
		if len(shared) == 0 {
			return
		}
		field := ".host" + strings.Replace(shared[0], "network", "Network", 1)
		s.emit(RuleHostNamespaces, "", "", s.specPath(t, field), s.msg("pod shares the host's ", strings.Join(shared, ", "), " namespace", plural(len(shared), "", "s"), s.where(t)))
	})
}

// checkHostPath reports hostPath volumes other than runtime sockets and
// the host root, which checkRuntimeSocket reports as critical.
func checkHostPath(s *subject) {
	s.forHostPaths(false, func(t *PodTemplate, p string, v *corev1.Volume) {
		s.emit(RuleHostPath, "", "", p, s.msg(`volume "`, v.Name, `" mounts host path `, v.HostPath.Path, s.where(t)))
	})
}

func checkRuntimeSocket(s *subject) {
	s.forHostPaths(true, func(t *PodTemplate, p string, v *corev1.Volume) {
		s.emit(RuleRuntimeSocket, "", "", p, s.msg(`volume "`, v.Name, `" mounts `, v.HostPath.Path, " from the host", s.where(t), ": it reaches the container runtime (or the whole host)"))
	})
}

// forHostPaths visits hostPath volumes that are (sockets) or are not
// runtime sockets.
func (s *subject) forHostPaths(sockets bool, fn func(t *PodTemplate, path string, v *corev1.Volume)) {
	s.forTemplates(func(_ int, t *PodTemplate) {
		for i := range t.Spec.Volumes {
			v := &t.Spec.Volumes[i]
			if v.HostPath == nil || isRuntimeSocket(v.HostPath.Path) != sockets {
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
