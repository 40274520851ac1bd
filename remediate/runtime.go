package remediate

import (
	"cmp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/policy"
)

// runtimeRules are the findings a runtimeClassName change resolves: the
// catalog's rules whose remedy is a RuntimeClass.
var runtimeRules = audit.RulesOf(audit.RemedyRuntimeClass)

// schedulingRules are the pre-check's findings: the pod would stay Pending.
var schedulingRules = audit.RulesIn(audit.CatScheduling)

// candidate is a RuntimeClass that might meet the tier.
type candidate struct {
	rc   nodev1.RuntimeClass
	rule policy.HandlerRule
	// lowers: the class isolates less than the workload has now (it meets
	// the tier; offered only when nothing stronger gives the pod its GPU).
	lowers bool
}

// runtimeChoice is the outcome of choosing a RuntimeClass.
type runtimeChoice struct {
	class    string
	rule     policy.HandlerRule
	create   *nodev1.RuntimeClass // a class to create first, or nil
	pending  []audit.Finding      // the pre-check's findings
	after    audit.Result         // the re-audit with the class set
	warnings []string
	why      string // set when no class can be chosen
}

// chooseRuntime picks the RuntimeClass for a workload whose isolation
// falls short (or cannot give it its GPUs): the weakest existing class
// that meets the tier, gives the GPUs and fits some node, re-audited to be
// sure; else an existing one that meets the tier but would stay Pending,
// with that warning; else a RuntimeClass to create.
func (p *planner) chooseRuntime(w *audit.Workload, r *audit.Result, ti int) runtimeChoice {
	required := r.RequiredIsolation
	if required.Rank() < 0 {
		return runtimeChoice{why: "the workload has no isolation tier"}
	}
	floor := max(required.Rank(), r.Isolation.Rank())
	current := ptr.Deref(w.Templates[ti].Spec.RuntimeClassName, "")
	gpus := templateGPUs(r, w, ti)
	var cands []candidate
	for _, rc := range p.classes() {
		rule, ok := p.pol.Handler(rc.Handler)
		if !ok || rule.Isolation.Rank() < required.Rank() || rc.Name == current {
			continue
		}
		if len(gpus) > 0 && rule.GPU == policy.GPUNone {
			continue
		}
		cands = append(cands, candidate{rc: rc, rule: rule, lowers: rule.Isolation.Rank() < floor})
	}
	// Weakest sufficient isolation first (a microVM where a VM is enough
	// costs memory on every node); a class that lowers isolation only
	// after every other, the least loss first.
	dist := func(c candidate) int {
		if c.lowers {
			return floor - c.rule.Isolation.Rank()
		}
		return c.rule.Isolation.Rank() - required.Rank()
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(boolCmp(a.lowers, b.lowers), cmp.Compare(dist(a), dist(b)), cmp.Compare(a.rc.Name, b.rc.Name))
	})
	var pendingChoice *runtimeChoice
	for _, c := range cands {
		spec := w.Templates[ti].Spec.DeepCopy()
		spec.RuntimeClassName = &c.rc.Name
		res := p.reaudit(w, withSpec(w, ti, spec), added{})
		res.Findings = inTemplate(res.Findings, w, ti)
		if len(has(res, runtimeRules...)) > 0 {
			continue
		}
		choice := runtimeChoice{class: c.rc.Name, rule: c.rule, after: res}
		if c.lowers {
			choice.warnings = append(choice.warnings, "lowers isolation from "+string(r.Isolation)+" to "+string(c.rule.Isolation)+": it still meets the "+string(r.Type)+" tier ("+string(required)+"), and no stronger class can give the pod its GPUs")
		}
		if pend := has(res, schedulingRules...); len(pend) > 0 {
			if pendingChoice == nil {
				choice.pending = pend
				pendingChoice = &choice
			}
			continue
		}
		return choice
	}
	if pendingChoice != nil {
		return *pendingChoice
	}
	return p.newRuntimeClass(w, r, ti)
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// runtimeFamily is what a RuntimeClass tiergate proposes looks like.
type runtimeFamily struct {
	handler  string
	label    string // node label the installer sets
	value    string
	overhead corev1.ResourceList
	note     string
}

var (
	kataOverhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("160Mi")}
	families     = map[string]runtimeFamily{
		"runsc":                {handler: "runsc", label: "sandbox.gke.io/runtime", value: "gvisor", note: "gVisor's runsc; GPUs need runsc with --nvproxy"},
		"kata-qemu":            {handler: "kata-qemu", label: "katacontainers.io/kata-runtime", value: "true", overhead: kataOverhead, note: "Kata Containers on QEMU, installed by kata-deploy"},
		"kata-qemu-nvidia-gpu": {handler: "kata-qemu-nvidia-gpu", label: "katacontainers.io/kata-runtime", value: "true", overhead: kataOverhead, note: "Kata Containers on QEMU with VFIO GPU passthrough, installed by kata-deploy with the NVIDIA GPU operator"},
		"kata-fc":              {handler: "kata-fc", label: "katacontainers.io/kata-runtime", value: "true", overhead: kataOverhead, note: "Kata Containers on Firecracker, installed by kata-deploy"},
	}
)

// newRuntimeClass proposes a RuntimeClass for the tier when none exists:
// the usual installer's handler name, its node label as the scheduling
// selector, its overhead. The re-audit then says whether any node fits.
func (p *planner) newRuntimeClass(w *audit.Workload, r *audit.Result, ti int) runtimeChoice {
	var fam string
	var warnings []string
	tgpus := templateGPUs(r, w, ti)
	mig, gpus := false, len(tgpus) > 0
	for _, g := range tgpus {
		mig = mig || g.MIGSlice()
	}
	if mig {
		why := "MIG slices pass through no sandbox runtime (gVisor has no /dev/nvidia-caps, Kata passes whole GPUs): request whole GPUs, then fix again"
		if r.RequiredIsolation == policy.SharedKernel {
			why += "; or remove runtimeClassName (the " + string(r.Type) + " tier allows the shared kernel)"
		}
		return runtimeChoice{why: why}
	}
	switch r.RequiredIsolation {
	case policy.SharedKernel, policy.GVisor:
		fam = "runsc"
		if gpus {
			warnings = append(warnings, "GPUs under gVisor need runsc configured with --nvproxy and a supported GPU model")
		}
	case policy.VM:
		fam = "kata-qemu"
		if gpus {
			fam = "kata-qemu-nvidia-gpu"
		}
	case policy.MicroVM:
		fam = "kata-fc"
		if gpus {
			return runtimeChoice{why: "no known microVM runtime passes GPUs through: mark a GPU-capable microVM handler in the policy (handlers[].gpu), or run the GPU part elsewhere"}
		}
	default:
		return runtimeChoice{why: "the workload has no isolation tier"}
	}
	f := families[fam]
	name := f.handler
	if p.runtimeClassExists(name) {
		name = "tiergate-" + f.handler
	}
	rc := &nodev1.RuntimeClass{
		TypeMeta:   kinds.RuntimeClass.TypeMeta(),
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": "tiergate"}},
		Handler:    f.handler,
		Scheduling: &nodev1.Scheduling{NodeSelector: map[string]string{f.label: f.value}},
	}
	if f.overhead != nil {
		rc.Overhead = &nodev1.Overhead{PodFixed: f.overhead.DeepCopy()}
	}
	// Sandbox nodes are often tainted for their runtime (GKE Sandbox is):
	// tolerate what the labelled nodes carry under the same key.
	for _, n := range p.inv.Nodes {
		if n.Labels[f.label] != f.value {
			continue
		}
		for _, t := range n.Spec.Taints {
			if t.Key == f.label && !slices.ContainsFunc(rc.Scheduling.Tolerations, func(x corev1.Toleration) bool { return x.Key == t.Key && x.Effect == t.Effect }) {
				rc.Scheduling.Tolerations = append(rc.Scheduling.Tolerations, corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOpEqual, Value: t.Value, Effect: t.Effect})
			}
		}
	}
	rule, _ := p.pol.Handler(f.handler)
	warnings = append(warnings, "RuntimeClass "+name+" needs handler "+f.handler+" installed on the nodes labelled "+f.label+"="+f.value+" ("+f.note+")")
	spec := w.Templates[ti].Spec.DeepCopy()
	spec.RuntimeClassName = &rc.Name
	res := p.reaudit(w, withSpec(w, ti, spec), added{runtimeClasses: []nodev1.RuntimeClass{*rc}})
	res.Findings = inTemplate(res.Findings, w, ti)
	if blocking := has(res, runtimeRules...); len(blocking) > 0 {
		return runtimeChoice{why: "a new " + f.handler + " RuntimeClass would not resolve it: " + blocking[0].Message}
	}
	return runtimeChoice{class: name, rule: rule, create: rc, pending: has(res, schedulingRules...), after: res, warnings: warnings}
}

func (p *planner) runtimeClassExists(name string) bool {
	for _, rc := range p.classes() {
		if rc.Name == name {
			return true
		}
	}
	return false
}

// templateGPUs are the GPUs one pod template requests.
func templateGPUs(r *audit.Result, w *audit.Workload, ti int) []audit.GPU {
	if len(w.Templates) == 1 {
		return r.GPUs
	}
	var out []audit.GPU
	for _, g := range r.GPUs {
		if g.Role == w.Templates[ti].Role {
			out = append(out, g)
		}
	}
	return out
}

// runtimeClassManifest renders a RuntimeClass to create.
func runtimeClassManifest(rc *nodev1.RuntimeClass) ([]byte, error) { return manifestYAML(rc) }

// manifestYAML renders an object to create, without the
// "creationTimestamp: null" a user would otherwise copy into git.
func manifestYAML(obj any) ([]byte, error) {
	y, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return []byte(strings.Replace(string(y), "  creationTimestamp: null\n", "", 1)), nil
}
