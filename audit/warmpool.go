package audit

import (
	"hash/fnv"
	"strings"

	"github.com/tiergate/tiergate/kinds"
)

// What agent-sandbox's controllers write, read at
// github.com/kubernetes-sigs/agent-sandbox commit
// 2fd412d55ecae90861a101a5424a75473de97c36 (the commit of the CRDs in
// internal/crds/testdata):
//
//   - a SandboxWarmPool creates Sandboxes, not pods: each a copy of its
//     SandboxTemplate's blueprint, labelled with the pool's and the
//     template's name hashes (extensions/controllers/
//     sandboxwarmpool_controller.go, buildSandboxCR) and controlled by the
//     pool; the Sandbox controller makes the pod, named as the Sandbox,
//     controlled by it, and copies the two hash labels onto it while an
//     extensions controller (pool or claim) owns the Sandbox
//     (controllers/sandbox_controller.go, computeExtensionPodLabels). The
//     blueprint hash (agents.x-k8s.io/sandbox-template-hash) stays on the
//     Sandbox: a pod never carries it (isSystemLabel filters every
//     agents.x-k8s.io/ label of the template), and it hashes Go's JSON of
//     the typed blueprint, which an unstructured copy cannot reproduce;
//     tiergate therefore compares the pod's spec with the template's.
//   - spec.updateStrategy.type is OnReplenish (the default, and what an
//     unknown value means: resolveUpdateStrategy) or Recreate. Under
//     OnReplenish a stale unclaimed sandbox stays until it is deleted or
//     claimed (and a claim adopts it as it is); under Recreate the pool
//     deletes it at once (filterActiveSandboxes).
//   - a claim adopts a warm Sandbox by taking over its controller
//     reference and dropping the pool's label (sandboxclaim_controller.go,
//     completeAdoption); the template's name hash stays, as on the
//     Sandboxes a claim creates itself from the template.
const (
	// warmPoolLabel is valued with NameHash of the pool's name.
	warmPoolLabel = "agents.x-k8s.io/warm-pool-sandbox"
	// templateRefLabel is valued with NameHash of the template's name.
	templateRefLabel = "agents.x-k8s.io/sandbox-template-ref-hash"
	// Recreate is the update strategy that deletes stale warm sandboxes.
	strategyRecreate = "Recreate"
	// strategyOnReplenish is the default: stale ones stay until used.
	strategyOnReplenish = "OnReplenish"
)

// NameHash is agent-sandbox's label value for a name: FNV-1a (32 bits)
// in eight hex digits (controllers/sandbox_controller.go, NameHash).
func NameHash(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	const hex = "0123456789abcdef"
	v := h.Sum32()
	var buf [8]byte
	for i := 7; i >= 0; i-- {
		buf[i] = hex[v&0xf]
		v >>= 4
	}
	return string(buf[:])
}

// WarmPool is a SandboxWarmPool as the staleness check reads it. Warm
// pools are kept beside the workloads because their pods stand for them
// there (SelectWorkloads leaves a pool out when its pods are in).
type WarmPool struct {
	Namespace, Name string
	// Template names the SandboxTemplate the pool makes sandboxes from.
	Template string
	// Strategy is spec.updateStrategy.type as written ("" is OnReplenish).
	Strategy string
	// Current is the template's pod template now; nil when the template
	// is not in the input (then staleness cannot be told).
	Current *PodTemplate
}

// strategy is the strategy the controller applies (resolveUpdateStrategy).
func (p *WarmPool) strategy() string {
	if p.Strategy == strategyRecreate {
		return strategyRecreate
	}
	return strategyOnReplenish
}

// WarmPoolsOf picks the SandboxWarmPools out of workloads built by the
// loader, before SelectWorkloads drops those whose pods are present.
func WarmPoolsOf(ws []Workload) []WarmPool {
	var out []WarmPool
	for i := range ws {
		w := &ws[i]
		if !isKind(w.APIVersion, w.Kind, kinds.SandboxWarmPool) {
			continue
		}
		p := WarmPool{Namespace: w.Namespace, Name: w.Name, Strategy: w.Extra.UpdateStrategy}
		prefix := kinds.SandboxTemplate.Kind + "/"
		switch {
		case len(w.Templates) > 0 && strings.HasPrefix(w.Templates[0].From, prefix):
			p.Template = strings.TrimPrefix(w.Templates[0].From, prefix)
			t := w.Templates[0]
			p.Current = &t
		case strings.HasPrefix(w.Extra.TemplateRef, prefix):
			p.Template = strings.TrimPrefix(w.Extra.TemplateRef, prefix)
		}
		out = append(out, p)
	}
	return out
}
