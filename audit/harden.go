package audit

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// The security-context fixes of the pod-security rules (Remedy.Harden).
// Each changes a copy of a pod spec that tiergate fix owns; none reads
// anything but the spec.

// runAsNonRootWarning is what a runAsNonRoot fix asks the person to check.
const runAsNonRootWarning = "runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not"

// tmpVolume is the emptyDir a read-only root filesystem gets for /tmp.
const tmpVolume = "tmp"

// podSC returns the pod's securityContext, creating it.
func podSC(spec *corev1.PodSpec) *corev1.PodSecurityContext {
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	return spec.SecurityContext
}

// containerSC returns a container's securityContext, creating it.
func containerSC(c *corev1.Container) *corev1.SecurityContext {
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

// hardenRunAsNonRoot sets runAsNonRoot on the pod, and on the container
// when it overrides the pod's. Next to runAsUser: 0 the pods would not
// start (CreateContainerConfigError): that UID is for a person to choose
// first (TG-PSS-012).
func hardenRunAsNonRoot(spec *corev1.PodSpec, c *corev1.Container) (string, string) {
	if runsAsUID0(spec) {
		return "a container runs as UID 0 (runAsUser: 0): choose a non-root UID first (TG-PSS-012), then runAsNonRoot can be set", ""
	}
	podSC(spec).RunAsNonRoot = ptr.To(true)
	if c != nil && c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
		c.SecurityContext.RunAsNonRoot = ptr.To(true)
	}
	return "", runAsNonRootWarning
}

// hardenSeccomp sets RuntimeDefault on the pod, and on the container when
// it overrides the pod's.
func hardenSeccomp(spec *corev1.PodSpec, c *corev1.Container) (string, string) {
	podSC(spec).SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	if c != nil && c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
		c.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	}
	return "", ""
}

// hardenEscalation sets allowPrivilegeEscalation: false, which the API
// rejects next to privileged: true or an added CAP_SYS_ADMIN.
func hardenEscalation(_ *corev1.PodSpec, c *corev1.Container) (string, string) {
	if c == nil {
		return podLevel, ""
	}
	if why := escalationNeeded(c); why != "" {
		return why, ""
	}
	containerSC(c).AllowPrivilegeEscalation = ptr.To(false)
	return "", ""
}

// hardenReadOnlyRoot makes the root filesystem read-only and gives /tmp
// an emptyDir, unless something is mounted there already.
func hardenReadOnlyRoot(spec *corev1.PodSpec, c *corev1.Container) (string, string) {
	if c == nil {
		return podLevel, ""
	}
	containerSC(c).ReadOnlyRootFilesystem = ptr.To(true)
	if !mountsAt(c, "/tmp") {
		name := volumeName(spec, tmpVolume)
		if !hasVolume(spec, name) {
			spec.Volumes = append(spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		}
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/tmp"})
	}
	return "", "readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount"
}

// hardenDropAll drops ALL capabilities.
func hardenDropAll(_ *corev1.PodSpec, c *corev1.Container) (string, string) {
	if c == nil {
		return podLevel, ""
	}
	sc := containerSC(c)
	if sc.Capabilities == nil {
		sc.Capabilities = &corev1.Capabilities{}
	}
	sc.Capabilities.Drop = []corev1.Capability{"ALL"}
	return "", ""
}

// runsAsUID0 says whether any container's effective runAsUser is 0.
func runsAsUID0(spec *corev1.PodSpec) bool {
	podUID0 := spec.SecurityContext != nil && spec.SecurityContext.RunAsUser != nil && *spec.SecurityContext.RunAsUser == 0
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			sc := cs[i].SecurityContext
			switch {
			case sc != nil && sc.RunAsUser != nil:
				if *sc.RunAsUser == 0 {
					return true
				}
			case podUID0:
				return true
			}
		}
	}
	return false
}

// podLevel is why a container setting's fix leaves a pod-level finding.
const podLevel = "a pod-level setting: change it by hand"

// escalationNeeded says why a container cannot drop privilege escalation.
func escalationNeeded(c *corev1.Container) string {
	sc := c.SecurityContext
	if sc == nil {
		return ""
	}
	if sc.Privileged != nil && *sc.Privileged {
		return "the container is privileged; remove privileged: true first"
	}
	if sc.Capabilities != nil {
		for _, a := range sc.Capabilities.Add {
			if n := strings.TrimPrefix(strings.ToUpper(string(a)), "CAP_"); n == "SYS_ADMIN" {
				return "the container adds CAP_SYS_ADMIN; remove it first"
			}
		}
	}
	return ""
}

func mountsAt(c *corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if strings.TrimSuffix(m.MountPath, "/") == path {
			return true
		}
	}
	return false
}

func hasVolume(spec *corev1.PodSpec, name string) bool {
	for _, v := range spec.Volumes {
		if v.Name == name {
			return true
		}
	}
	return false
}

// volumeName returns base, or base-N when a volume of that name exists
// and is not an emptyDir that the fix itself could share.
func volumeName(spec *corev1.PodSpec, base string) string {
	name := base
	for n := 2; ; n++ {
		i := -1
		for j, v := range spec.Volumes {
			if v.Name == name {
				i = j
			}
		}
		if i < 0 || spec.Volumes[i].EmptyDir != nil {
			return name
		}
		name = base + "-" + strconv.Itoa(n)
	}
}
