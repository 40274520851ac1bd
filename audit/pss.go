package audit

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	pssapi "k8s.io/pod-security-admission/api"
	psspolicy "k8s.io/pod-security-admission/policy"
)

// pssLibrary evaluates pod specs with k8s.io/pod-security-admission, the
// code the API server's Pod Security Admission runs. Its evaluator
// returns one result per control without saying which; every check is
// wrapped so that an evaluation also records the IDs (and functions) of
// the checks it ran, in result order. Not safe for concurrent use, like
// the Engine that owns it.
type pssLibrary struct {
	eval psspolicy.Evaluator
	ran  []pssRan
}

// pssRan is one check an evaluation ran: its library ID and the version
// of its function that applied, so that attribution can re-run it alone.
type pssRan struct {
	id psspolicy.CheckID
	fn psspolicy.CheckPodFn
}

// pssControl is one control a pod spec fails, with the library's words.
type pssControl struct {
	pssRan
	result psspolicy.CheckResult
}

func newPSSLibrary() *pssLibrary {
	l := &pssLibrary{}
	checks := psspolicy.DefaultChecks()
	for i := range checks {
		id := checks[i].ID
		for j := range checks[i].Versions {
			fn := checks[i].Versions[j].CheckPod
			checks[i].Versions[j].CheckPod = func(m *metav1.ObjectMeta, s *corev1.PodSpec) psspolicy.CheckResult {
				l.ran = append(l.ran, pssRan{id: id, fn: fn})
				return fn(m, s)
			}
		}
	}
	ev, err := psspolicy.NewEvaluator(checks, nil)
	if err != nil {
		// The library's own default checks are valid by construction.
		panic("audit: pod-security-admission rejects its default checks: " + err.Error())
	}
	l.eval = ev
	return l
}

// failed evaluates a pod spec at a level and version and returns the
// controls it fails, in the library's order. Ephemeral containers are
// left out: they are added to running pods (tiergate's own probe among
// them) and are not part of what the workload asks for.
func (l *pssLibrary) failed(lv pssapi.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []pssControl {
	if spec == nil {
		return nil
	}
	if len(spec.EphemeralContainers) > 0 {
		cp := *spec
		cp.EphemeralContainers = nil
		spec = &cp
	}
	l.ran = l.ran[:0]
	results := l.eval.EvaluatePod(lv, meta, spec)
	if len(results) != len(l.ran) {
		panic("audit: pod-security-admission ran checks the wrapper did not see")
	}
	var out []pssControl
	for i, r := range results {
		if !r.Allowed {
			out = append(out, pssControl{pssRan: l.ran[i], result: r})
		}
	}
	return out
}

// pssLevelVersion turns a level and a version ("latest" or "v1.NN") into
// the library's form; the policy package has validated both.
func pssLevelVersion(level, version string) pssapi.LevelVersion {
	v := pssapi.LatestVersion()
	if version != "" && version != pssapi.VersionLatest {
		if pv, err := pssapi.ParseVersion(version); err == nil {
			v = pv
		}
	}
	return pssapi.LevelVersion{Level: pssapi.Level(level), Version: v}
}
