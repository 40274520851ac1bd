package audit

import (
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/tiergate/tiergate/policy"
)

// templateIso is the isolation one pod template runs under.
type templateIso struct {
	rcName  string
	handler string
	class   policy.Isolation
	gpu     policy.GPUSupport
	note    string
	rc      *nodev1.RuntimeClass
	// missing: the RuntimeClass is named but does not exist (complete inventory).
	missing bool
	// assumed: the RuntimeClass is not in a partial input; the handler is
	// assumed to carry the class's name, as kata-deploy and most installers do.
	assumed bool
	// unknownHandler: no policy mapping matches the handler.
	unknownHandler bool
}

// isolation resolves a RuntimeClass name once per audit.
func (ix *index) isolation(rcName string) templateIso {
	if ti, ok := ix.isoByClass[rcName]; ok {
		return ti
	}
	ti := ix.resolveIsolation(rcName)
	ix.isoByClass[rcName] = ti
	return ti
}

// resolveIsolation follows RuntimeClass name → handler → isolation class.
func (ix *index) resolveIsolation(rcName string) templateIso {
	ti := templateIso{rcName: rcName}
	if rcName != "" {
		rc, ok := ix.runtimeClasses[rcName]
		switch {
		case ok:
			ti.rc = rc
			ti.handler = rc.Handler
		case ix.rcComplete:
			ti.missing = true
			ti.class = policy.Unknown
			return ti
		default:
			ti.assumed = true
			ti.handler = rcName
		}
	}
	h, ok := ix.pol.Handler(ti.handler)
	if !ok {
		ti.unknownHandler = true
		ti.class = policy.Unknown
		ti.gpu = policy.GPUNone
		return ti
	}
	ti.class, ti.gpu, ti.note = h.Isolation, h.GPU, h.Note
	return ti
}

// evidence explains the chain in words.
func (ti templateIso) evidence(offline bool) []string {
	switch {
	case ti.rcName == "":
		return []string{"no runtimeClassName: the node's default handler → " + string(ti.class) + withParen(ti.note)}
	case ti.missing:
		return []string{"RuntimeClass " + ti.rcName + " does not exist: the pod cannot be admitted"}
	}
	var out []string
	if ti.assumed {
		where := "the cluster"
		if offline {
			where = "the input"
		}
		out = append(out, "RuntimeClass "+ti.rcName+" is not in "+where+": assuming handler "+ti.handler+" (installers name them alike)")
	}
	if ti.unknownHandler {
		return append(out, "RuntimeClass "+ti.rcName+" → handler "+ti.handler+" → unknown: not a known runtime handler; add it to the policy's handlers")
	}
	return append(out, "RuntimeClass "+ti.rcName+" → handler "+ti.handler+" → "+string(ti.class)+withParen(ti.note))
}

func withParen(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// weakest returns the index of the template with the weakest isolation;
// unknown counts as weakest, since nothing is known to protect it.
func weakest(isos []templateIso) int {
	w := 0
	for i := range isos {
		if isos[i].class.Rank() < isos[w].class.Rank() {
			w = i
		}
	}
	return w
}

// runtimeClassInfo describes a RuntimeClass once per audit; results share
// the value and must not change it.
func (ix *index) runtimeClassInfo(rc *nodev1.RuntimeClass) *RuntimeClassInfo {
	if rc == nil {
		return nil
	}
	if info, ok := ix.rcInfo[rc.Name]; ok {
		return info
	}
	info := runtimeClassInfo(rc)
	ix.rcInfo[rc.Name] = info
	return info
}

func runtimeClassInfo(rc *nodev1.RuntimeClass) *RuntimeClassInfo {
	if rc == nil {
		return nil
	}
	info := &RuntimeClassInfo{Name: rc.Name, Handler: rc.Handler}
	if rc.Scheduling != nil {
		info.NodeSelector = rc.Scheduling.NodeSelector
		info.Tolerations = len(rc.Scheduling.Tolerations)
	}
	if rc.Overhead != nil && len(rc.Overhead.PodFixed) > 0 {
		info.Overhead = map[string]resource.Quantity{}
		for k, v := range rc.Overhead.PodFixed {
			info.Overhead[string(k)] = v
		}
	}
	return info
}
