package policy

import (
	"maps"
	"slices"
	"strings"

	pssapi "k8s.io/pod-security-admission/api"
)

// PodSecurity chooses the Pod Security Standards level and version the
// pod-security checks judge by (k8s.io/pod-security-admission decides).
type PodSecurity struct {
	// Level is baseline or restricted (default restricted).
	Level string `json:"level,omitempty"`
	// Version is "latest" (default) or a Kubernetes minor such as "v1.30":
	// the standard as that release defined it.
	Version string `json:"version,omitempty"`
	// Relax lowers the level for some workload types (privileged turns
	// the standard's checks off for them); it never raises it.
	Relax map[WorkloadType]string `json:"relax,omitempty"`
}

// Pod Security levels, as the namespace labels spell them.
const (
	PSSPrivileged = "privileged"
	PSSBaseline   = "baseline"
	PSSRestricted = "restricted"
)

// pssRank orders levels; -1 for anything else.
func pssRank(level string) int {
	return slices.Index([]string{PSSPrivileged, PSSBaseline, PSSRestricted}, level)
}

// validatePodSecurity names every bad field of the podSecurity section.
func validatePodSecurity(ps PodSecurity, bad func(format string, args ...any)) {
	level := ps.Level
	if level == "" {
		level = PSSRestricted
	}
	if level != PSSBaseline && level != PSSRestricted {
		bad("podSecurity.level: %q is not one of baseline, restricted", ps.Level)
	}
	if ps.Version != "" && ps.Version != pssapi.VersionLatest {
		if v, err := pssapi.ParseVersion(ps.Version); err != nil || v.Latest() || v.Major() != 1 {
			bad(`podSecurity.version: %q is not "latest" or a version such as "v1.30"`, ps.Version)
		}
	}
	for _, t := range slices.Sorted(maps.Keys(ps.Relax)) {
		l := ps.Relax[t]
		switch {
		case !t.Valid():
			bad("podSecurity.relax.%s: not one of %s", t, strings.Join(typeNames(), ", "))
		case pssRank(l) < 0:
			bad("podSecurity.relax.%s: %q is not one of privileged, baseline, restricted", t, l)
		case pssRank(level) >= 0 && pssRank(l) > pssRank(level):
			bad("podSecurity.relax.%s: %s is stricter than the level %s (relax only lowers it)", t, l, level)
		}
	}
}

func typeNames() []string {
	var out []string
	for _, t := range Types() {
		out = append(out, string(t))
	}
	return out
}

// PodSecurityFor returns the level and version that judge a workload type.
func (c *Compiled) PodSecurityFor(t WorkloadType) (level, version string) {
	level, version = c.PodSecurity.Level, c.PodSecurity.Version
	if level == "" {
		level = PSSRestricted
	}
	if version == "" {
		version = pssapi.VersionLatest
	}
	if l, ok := c.PodSecurity.Relax[t]; ok {
		level = l
	}
	return level, version
}

// mergePodSecurity lays the user's section over base: set fields win,
// relax entries replace base entries type by type.
func mergePodSecurity(base, user PodSecurity) PodSecurity {
	out := base
	if user.Level != "" {
		out.Level = user.Level
	}
	if user.Version != "" {
		out.Version = user.Version
	}
	if len(base.Relax)+len(user.Relax) > 0 {
		out.Relax = maps.Clone(base.Relax)
		if out.Relax == nil {
			out.Relax = map[WorkloadType]string{}
		}
		maps.Copy(out.Relax, user.Relax)
	}
	return out
}
