package audit

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	psspolicy "k8s.io/pod-security-admission/policy"
)

// pssRule is how one of the library's controls becomes tiergate findings:
// the rule it reports under, the field a fix changes (under the container,
// the pod spec, or a volume) and tiergate's words for it.
type pssRule struct {
	rule string
	// field is the path suffix under a container and, for controls the pod
	// can fail too, under the pod spec (".securityContext.runAsNonRoot").
	field string
	// ctrField picks the field from the container when it varies
	// (".ports[1].hostPort"); it overrides field for containers.
	ctrField func(c *corev1.Container) string
	// podField picks the pod spec field when it varies (".hostPID").
	podField func(spec *corev1.PodSpec) string
	// volField is the suffix under .volumes[i] for per-volume controls.
	volField string
	// words follow "container \"x\"", "pod" or "volume \"v\"" in messages.
	words string
}

// pssRules maps every check of the library's DefaultChecks to a rule
// (docs/pod-security.md lists the mapping). A check missing here is
// reported under its own ID by pssRuleFor, never dropped.
var pssRules = map[psspolicy.CheckID]pssRule{
	"runAsNonRoot":               {rule: RuleRunAsRoot, field: ".securityContext.runAsNonRoot", words: " may run as root"},
	"runAsUser":                  {rule: RuleRunAsUserRoot, field: ".securityContext.runAsUser", words: " runs as UID 0"},
	"seccompProfile_baseline":    {rule: RuleSeccomp, field: ".securityContext.seccompProfile", words: " has a forbidden seccomp profile"},
	"seccompProfile_restricted":  {rule: RuleSeccomp, field: ".securityContext.seccompProfile", words: " has no RuntimeDefault or Localhost seccomp profile"},
	"allowPrivilegeEscalation":   {rule: RuleEscalation, field: ".securityContext.allowPrivilegeEscalation", words: " allows privilege escalation"},
	"capabilities_baseline":      {rule: RuleCapsAdded, field: ".securityContext.capabilities.add", words: " adds capabilities beyond the default set"},
	"privileged":                 {rule: RulePrivileged, field: ".securityContext.privileged", words: " is privileged"},
	"hostNamespaces":             {rule: RuleHostNamespaces, podField: hostNamespaceField, words: " shares the host's namespaces"},
	"hostPathVolumes":            {rule: RuleHostPath, volField: ".hostPath", words: " mounts host path"},
	"hostPorts":                  {rule: RuleHostPorts, ctrField: hostPortField, words: " binds host ports"},
	"restrictedVolumes":          {rule: RuleVolumeTypes, volField: "", words: " is of a type the restricted level forbids"},
	"sysctls":                    {rule: RuleSysctls, field: ".securityContext.sysctls", words: " sets unsafe sysctls"},
	"procMount":                  {rule: RuleProcMount, field: ".securityContext.procMount", words: " unmasks /proc"},
	"procMount_restricted":       {rule: RuleProcMount, field: ".securityContext.procMount", words: " unmasks /proc"},
	"appArmorProfile":            {rule: RuleAppArmor, field: ".securityContext.appArmorProfile", words: " sets a forbidden AppArmor profile"},
	"seLinuxOptions":             {rule: RuleSELinux, field: ".securityContext.seLinuxOptions", words: " sets forbidden SELinux options"},
	"windowsHostProcess":         {rule: RuleWindowsHostProcess, field: ".securityContext.windowsOptions.hostProcess", words: " runs as a Windows host process"},
	"hostProbesAndHostLifecycle": {rule: RuleProbeHost, ctrField: probeHostField, words: " points a probe or lifecycle hook at another host"},
	// capabilities_restricted is split by what the container gets wrong:
	// see capsRestricted.
	"capabilities_restricted": {rule: RuleCapsNotDropped, field: ".securityContext.capabilities.drop", words: " does not drop ALL capabilities"},
}

// capsAddedRestricted is the second half of capabilities_restricted: a
// container that adds a capability other than NET_BIND_SERVICE.
var capsAddedRestricted = pssRule{rule: RuleCapsAdded, field: ".securityContext.capabilities.add", words: " adds capabilities other than NET_BIND_SERVICE"}

// pssRuleFor returns the mapping of a check; a check the library gained
// after this table was written is reported under the closest catch-all
// rule with its own ID in the message, so that nothing it forbids is lost.
func pssRuleFor(id psspolicy.CheckID) pssRule {
	if r, ok := pssRules[id]; ok {
		return r
	}
	return pssRule{rule: RuleRunAsRoot, words: " fails Pod Security check " + string(id)}
}

func hostNamespaceField(spec *corev1.PodSpec) string {
	switch {
	case spec.HostNetwork:
		return ".hostNetwork"
	case spec.HostPID:
		return ".hostPID"
	case spec.HostIPC:
		return ".hostIPC"
	}
	return ""
}

func hostPortField(c *corev1.Container) string {
	for i, p := range c.Ports {
		if p.HostPort != 0 {
			return ".ports[" + strconv.Itoa(i) + "].hostPort"
		}
	}
	return ".ports"
}

func probeHostField(c *corev1.Container) string {
	probes := []struct {
		name string
		p    *corev1.Probe
	}{{".livenessProbe", c.LivenessProbe}, {".readinessProbe", c.ReadinessProbe}, {".startupProbe", c.StartupProbe}}
	for _, p := range probes {
		if p.p == nil {
			continue
		}
		if p.p.HTTPGet != nil && p.p.HTTPGet.Host != "" {
			return p.name + ".httpGet.host"
		}
		if p.p.TCPSocket != nil && p.p.TCPSocket.Host != "" {
			return p.name + ".tcpSocket.host"
		}
	}
	if l := c.Lifecycle; l != nil {
		for _, h := range []struct {
			name string
			h    *corev1.LifecycleHandler
		}{{".lifecycle.postStart", l.PostStart}, {".lifecycle.preStop", l.PreStop}} {
			if h.h == nil {
				continue
			}
			if h.h.HTTPGet != nil && h.h.HTTPGet.Host != "" {
				return h.name + ".httpGet.host"
			}
			if h.h.TCPSocket != nil && h.h.TCPSocket.Host != "" {
				return h.name + ".tcpSocket.host"
			}
		}
	}
	return ""
}
