package remediate

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
)

// hardening are the pod-security findings a securityContext fix resolves,
// in the order its plan names them, with what it sets for each.
var hardening = []struct{ rule, sets string }{
	{audit.RuleRunAsRoot, "runAsNonRoot"},
	{audit.RuleSeccomp, "seccomp RuntimeDefault"},
	{audit.RuleEscalation, "no privilege escalation"},
	{audit.RuleWritableRoot, "read-only root filesystem"},
	{audit.RuleCapsNotDropped, "drop ALL capabilities"},
}

// hardenRules are the rules of hardening.
func hardenRules() []string {
	out := make([]string, len(hardening))
	for i, h := range hardening {
		out[i] = h.rule
	}
	return out
}

// hardenWhat names the settings a securityContext fix makes.
func hardenWhat(fs []audit.Finding) []string {
	var out []string
	for _, h := range hardening {
		if slices.ContainsFunc(fs, func(f audit.Finding) bool { return f.Rule == h.rule }) {
			out = append(out, h.sets)
		}
	}
	return out
}

// runAsNonRootWarning is what a runAsNonRoot fix asks the person to check.
const runAsNonRootWarning = "runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not"

// tmpVolume is the emptyDir a read-only root filesystem gets for /tmp.
const tmpVolume = "tmp"

// harden applies the securityContext fixes for fs to spec (a DeepCopy).
// It returns the findings it fixed, those it leaves to a human (with the
// reason), and what the user must know.
func harden(spec *corev1.PodSpec, fs []audit.Finding) (done []audit.Finding, left []leftover, warnings []string) {
	psc := func() *corev1.PodSecurityContext {
		if spec.SecurityContext == nil {
			spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		return spec.SecurityContext
	}
	warned := map[string]bool{}
	warn := func(w string) {
		if !warned[w] {
			warned[w] = true
			warnings = append(warnings, w)
		}
	}
	for _, f := range fs {
		if f.Container == "" {
			// The pod's own securityContext sets the value the standard
			// forbids (runAsNonRoot: false, seccomp Unconfined).
			switch f.Rule {
			case audit.RuleRunAsRoot:
				psc().RunAsNonRoot = ptr.To(true)
				warn(runAsNonRootWarning)
			case audit.RuleSeccomp:
				psc().SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
			default:
				left = append(left, leftover{f, "a pod-level setting: change it by hand"})
				continue
			}
			done = append(done, f)
			continue
		}
		c := container(spec, f.Container)
		if c == nil {
			left = append(left, leftover{f, "container " + f.Container + " is not in the pod template"})
			continue
		}
		sc := func() *corev1.SecurityContext {
			if c.SecurityContext == nil {
				c.SecurityContext = &corev1.SecurityContext{}
			}
			return c.SecurityContext
		}
		switch f.Rule {
		case audit.RuleRunAsRoot:
			psc().RunAsNonRoot = ptr.To(true)
			if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
				c.SecurityContext.RunAsNonRoot = ptr.To(true)
			}
			warn(runAsNonRootWarning)
		case audit.RuleSeccomp:
			psc().SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
			if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
				c.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
			}
		case audit.RuleEscalation:
			// The API rejects allowPrivilegeEscalation: false next to
			// privileged: true or an added CAP_SYS_ADMIN.
			if why := escalationNeeded(c); why != "" {
				left = append(left, leftover{f, why})
				continue
			}
			sc().AllowPrivilegeEscalation = ptr.To(false)
		case audit.RuleWritableRoot:
			sc().ReadOnlyRootFilesystem = ptr.To(true)
			if !mountsAt(c, "/tmp") {
				name := volumeName(spec, tmpVolume)
				if !hasVolume(spec, name) {
					spec.Volumes = append(spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
				}
				c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/tmp"})
			}
			warn("readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount")
		case audit.RuleCapsNotDropped:
			caps := sc().Capabilities
			if caps == nil {
				caps = &corev1.Capabilities{}
				c.SecurityContext.Capabilities = caps
			}
			caps.Drop = []corev1.Capability{"ALL"}
		default:
			continue
		}
		done = append(done, f)
	}
	return done, left, warnings
}

// leftover is a finding a fix does not resolve, with the reason.
type leftover struct {
	f   audit.Finding
	why string
}

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

// container finds a container or init container by name.
func container(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.InitContainers {
		if spec.InitContainers[i].Name == name {
			return &spec.InitContainers[i]
		}
	}
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
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
