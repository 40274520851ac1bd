package audit

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// isolationDiffs says, field by field, where a pod spec's isolation
// differs from a template's: the RuntimeClass, host namespaces, user
// namespaces, the token, the identity, security contexts and host paths.
// Both sides get what agent-sandbox sets on every sandbox it makes
// (ApplySandboxSecureDefaults in extensions/controllers/utils.go at the
// commit cited in warmpool.go: no token unless the template asks) and
// what the API server fills in (serviceAccountName "default", an empty
// pod securityContext), so that only what the template changed counts.
// Images, resources and env are not isolation and are left out.
func isolationDiffs(pod, cur *corev1.PodSpec) []string {
	var out []string
	add := func(field, was, now string) {
		if was != now {
			out = append(out, field+" "+was+" → "+now)
		}
	}
	add("runtimeClassName", quoted(pod.RuntimeClassName), quoted(cur.RuntimeClassName))
	add("hostNetwork", strconv.FormatBool(pod.HostNetwork), strconv.FormatBool(cur.HostNetwork))
	add("hostPID", strconv.FormatBool(pod.HostPID), strconv.FormatBool(cur.HostPID))
	add("hostIPC", strconv.FormatBool(pod.HostIPC), strconv.FormatBool(cur.HostIPC))
	add("hostUsers", boolOr(pod.HostUsers, true), boolOr(cur.HostUsers, true))
	add("automountServiceAccountToken", boolOr(pod.AutomountServiceAccountToken, false), boolOr(cur.AutomountServiceAccountToken, false))
	add("serviceAccountName", orDefault(pod.ServiceAccountName, "default"), orDefault(cur.ServiceAccountName, "default"))
	add("hostPath volumes", hostPaths(pod), hostPaths(cur))
	if !equality.Semantic.DeepEqual(podSCOrEmpty(pod), podSCOrEmpty(cur)) {
		out = append(out, "the pod's securityContext")
	}
	for _, list := range [][2][]corev1.Container{{pod.InitContainers, cur.InitContainers}, {pod.Containers, cur.Containers}} {
		for i := range list[0] {
			c := &list[0][i]
			j := slices.IndexFunc(list[1], func(n corev1.Container) bool { return n.Name == c.Name })
			if j >= 0 && !equality.Semantic.DeepEqual(ctrSCOrEmpty(c), ctrSCOrEmpty(&list[1][j])) {
				out = append(out, `the securityContext of container "`+c.Name+`"`)
			}
		}
	}
	return out
}

func quoted(s *string) string {
	if s == nil || *s == "" {
		return "(none)"
	}
	return strconv.Quote(*s)
}

func boolOr(b *bool, def bool) string {
	if b == nil {
		return strconv.FormatBool(def)
	}
	return strconv.FormatBool(*b)
}

// hostPaths lists the host paths a spec mounts, sorted; "(none)" without.
func hostPaths(s *corev1.PodSpec) string {
	var ps []string
	for _, v := range s.Volumes {
		if v.HostPath != nil {
			ps = append(ps, v.HostPath.Path)
		}
	}
	if len(ps) == 0 {
		return "(none)"
	}
	slices.Sort(ps)
	return "[" + strings.Join(ps, ", ") + "]"
}

// podSCOrEmpty is a pod's securityContext, unset as empty (the API
// server's default), without creating it.
func podSCOrEmpty(s *corev1.PodSpec) *corev1.PodSecurityContext {
	if s.SecurityContext == nil {
		return &corev1.PodSecurityContext{}
	}
	return s.SecurityContext
}

// ctrSCOrEmpty is a container's securityContext, unset as empty.
func ctrSCOrEmpty(c *corev1.Container) *corev1.SecurityContext {
	if c.SecurityContext == nil {
		return &corev1.SecurityContext{}
	}
	return c.SecurityContext
}
